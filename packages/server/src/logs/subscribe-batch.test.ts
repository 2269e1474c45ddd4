import { describe, expect, it } from 'vitest';
import type { LogHub, LogHubOptions } from './hub.js';
import {
  attachWorkload,
  openTestHub,
  recorder,
  until,
  useClosers,
  useTempDirs,
  writeToPipe,
} from './test-support/fixtures.js';
import type { LogMessage, LogRun, LogSource } from './types.js';

const tempDir = useTempDirs();
const onClose = useClosers();

function openHub(dir: string, options: Partial<LogHubOptions> = {}): LogHub {
  return openTestHub(dir, onClose, { journal: { maxSize: 1024 * 1024, maxFiles: 4 }, ...options });
}

const job: LogSource = { kind: 'task', id: 'job', run: 'r1' };
const api: LogSource = { kind: 'service', id: 'api', instance: 0 };

async function attached(hub: LogHub, dir: string, source: LogSource): Promise<string> {
  return (await attachWorkload(hub, dir, source)).pipes.stdout;
}

function batches(messages: LogMessage[]): LogRun[][] {
  return messages.flatMap((m) => (m.type === 'batch' ? [m.runs] : []));
}

const seqs = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('LogHub.subscribe with batches', () => {
  it('sends live lines as runs, a new run where the level changes, many lines per message', async () => {
    const dir = await tempDir();
    const hub = openHub(dir);
    const stdout = await attached(hub, dir, api);
    const client = recorder();
    let ready = false;
    hub.subscribe({ kind: 'service' }, null, client.send, {
      batch: true,
      onReady: () => (ready = true),
    });
    await until('ready', () => ready);
    const lines = [...seqs(1, 300).map((i) => `line ${i}`), '[ERROR] broken', 'line 302'];
    await writeToPipe(stdout, `${lines.join('\n')}\n`);
    await until('every line', () => client.entries().length === 302);

    expect(client.messages.every((m) => m.type === 'batch')).toBe(true);
    expect(client.messages.length).toBeLessThan(10);
    const runs = batches(client.messages).flat();
    expect(runs.map((r) => [r.seq, r.level, r.count])).toEqual([
      [1, 'INFO', 300],
      [301, 'ERROR', 1],
      [302, 'INFO', 1],
    ]);
    expect(runs[0]).toMatchObject({ source: api, stream: 'stdout' });
    expect(client.entries().map((e) => e.line)).toEqual(lines);
  });

  it('replays from `since` in batches, from the journal and then memory, and resumes exactly', async () => {
    const hub = openHub(await tempDir(), { ringSize: 100 });
    for (let i = 1; i <= 1200; i++) hub.system(i % 2 === 0 ? api : job, 'INFO', `line ${i}`);
    const first = recorder();
    let ready: number | null = null;
    const stop = hub.subscribe({ kind: 'service' }, 10, first.send, {
      batch: true,
      onReady: (seq) => (ready = seq),
    });
    await until('ready', () => ready !== null);
    const replayed = first.entries().map((e) => e.seq);
    expect(replayed).toEqual(seqs(6, 600).map((i) => i * 2));
    // Far fewer messages than entries: the replay goes a batch at a time.
    expect(first.messages.length).toBeLessThan(20);

    // The client goes away having seen up to 800, comes back with since=800, and misses nothing.
    stop();
    for (let i = 1201; i <= 1300; i++) hub.system(api, 'INFO', `line ${i}`);
    const again = recorder();
    ready = null;
    hub.subscribe({ kind: 'service' }, 800, again.send, {
      batch: true,
      onReady: (seq) => (ready = seq),
    });
    await until('ready again', () => ready !== null);
    expect(again.entries().map((e) => e.seq)).toEqual([
      ...seqs(401, 600).map((i) => i * 2),
      ...seqs(1201, 1300),
    ]);
    expect(ready).toBe(1300);
  });

  it('drops a batch the client refuses whole, says so first, then carries on', async () => {
    const hub = openHub(await tempDir());
    let accepting = false;
    let refused = 0;
    const client = recorder(() => {
      if (!accepting) refused++;
      return accepting;
    });
    hub.subscribe({ kind: 'task' }, null, client.send, { batch: true });
    for (let i = 1; i <= 5; i++) hub.system(job, 'INFO', `lost ${i}`);
    hub.system(api, 'INFO', 'another source: not counted');
    hub.system(job, 'INFO', 'lost 6');
    await until('the batch was refused', () => refused > 0);
    accepting = true;
    hub.system(job, 'WARNING', 'after');
    await until('the marker and the next batch', () => client.messages.length === 2);
    expect(client.messages[0]).toEqual({ type: 'dropped', count: 6, fromSeq: 1, toSeq: 7 });
    expect(client.entries().map((e) => [e.seq, e.level, e.line])).toEqual([
      [8, 'WARNING', 'after'],
    ]);
  });

  it('keeps one entry per message for subscribers that did not ask for batches', async () => {
    const hub = openHub(await tempDir());
    const single = recorder();
    const batched = recorder();
    hub.subscribe({}, null, single.send);
    hub.subscribe({ level: 'WARNING' }, null, batched.send, { batch: true });
    hub.system(job, 'INFO', 'info');
    hub.system(job, 'ERROR', 'error');
    await until('both', () => single.entries().length === 2 && batched.entries().length === 1);
    expect(single.messages.map((m) => m.type)).toEqual(['entry', 'entry']);
    expect(batched.entries().map((e) => e.line)).toEqual(['error']);
  });
});
