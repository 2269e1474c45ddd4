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
import type { LogSource } from './types.js';

const tempDir = useTempDirs();
const onClose = useClosers();

function openHub(dir: string, options: Partial<LogHubOptions> = {}): LogHub {
  return openTestHub(dir, onClose, { journal: { maxSize: 1024 * 1024, maxFiles: 4 }, ...options });
}

const job: LogSource = { kind: 'task', id: 'job', run: 'r1' };
const api: LogSource = { kind: 'service', id: 'api', instance: 0 };

function contiguous(seqs: number[], from: number, to: number): void {
  expect(seqs).toEqual(Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

describe('LogHub.subscribe', () => {
  it('replays what came after `since` that matches, says ready, then delivers live entries', async () => {
    const hub = openHub(await tempDir());
    for (let i = 1; i <= 10; i++) hub.system(i % 2 === 0 ? api : job, 'INFO', `line ${i}`);
    const client = recorder();
    let ready: number | null = null;
    const stop = hub.subscribe({ kind: 'service' }, 5, client.send, {
      onReady: (seq) => (ready = seq),
    });
    await until('ready', () => ready !== null);
    expect(ready).toBe(10);
    expect(client.entries().map((e) => e.seq)).toEqual([6, 8, 10]);
    hub.system(job, 'INFO', 'not for this client');
    hub.system(api, 'ERROR', 'live');
    expect(client.entries().map((e) => e.line)).toEqual(['line 6', 'line 8', 'line 10', 'live']);
    stop();
    hub.system(api, 'INFO', 'after unsubscribing');
    expect(client.entries()).toHaveLength(4);
  });

  it('with since null delivers live entries only; with a level, only that level and above', async () => {
    const hub = openHub(await tempDir());
    hub.system(api, 'ERROR', 'before');
    const client = recorder();
    hub.subscribe({ level: 'WARNING' }, null, client.send);
    hub.system(api, 'INFO', 'info');
    hub.system(api, 'WARNING', 'warning');
    hub.system(job, 'ERROR', 'error');
    await until('two entries', () => client.entries().length === 2);
    expect(client.entries().map((e) => e.line)).toEqual(['warning', 'error']);
  });

  it('fills a gap older than memory from the journal, so a reconnecting client misses nothing', async () => {
    const hub = openHub(await tempDir(), {
      ringSize: 100,
      journal: { maxSize: 64 * 1024, maxFiles: 50 },
    });
    for (let i = 1; i <= 3000; i++) hub.system(i % 3 === 0 ? api : job, 'INFO', `line ${i}`);
    const client = recorder();
    let ready: number | null = null;
    hub.subscribe({}, 42, client.send, { onReady: (seq) => (ready = seq) });
    // Entries keep coming while it catches up.
    for (let i = 3001; i <= 3200; i++) {
      hub.system(job, 'INFO', `line ${i}`);
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await until('ready', () => ready !== null);
    hub.system(job, 'INFO', 'live');
    await until('every entry', () => client.entries().length === 3201 - 42);
    contiguous(
      client.entries().map((e) => e.seq),
      43,
      3201,
    );
    expect(client.messages.some((m) => m.type === 'dropped')).toBe(false);

    const services = recorder();
    let servicesReady = false;
    hub.subscribe({ kind: 'service' }, 0, services.send, { onReady: () => (servicesReady = true) });
    await until('services ready', () => servicesReady);
    expect(services.entries().map((e) => e.seq)).toEqual(
      Array.from({ length: 1000 }, (_, i) => 3 * (i + 1)),
    );
  });

  it('waits for a congested client during the replay instead of dropping', async () => {
    const hub = openHub(await tempDir(), { ringSize: 50 });
    for (let i = 1; i <= 500; i++) hub.system(job, 'INFO', `line ${i}`);
    let calls = 0;
    // Refuses now and then, like a socket whose buffer fills and drains.
    const client = recorder(() => ++calls % 50 !== 0);
    let ready = false;
    hub.subscribe({}, 0, client.send, { onReady: () => (ready = true) });
    await until('ready', () => ready);
    contiguous(
      client.entries().map((e) => e.seq),
      1,
      500,
    );
  });

  it('drops live entries for a congested client, counts them, and tells it once it accepts again', async () => {
    const dir = await tempDir();
    const hub = openHub(dir, { journal: { maxSize: 4 * 1024 * 1024, maxFiles: 4 } });
    const { pipes } = await attachWorkload(hub, dir, job);
    let accepting = false;
    let refused = 0;
    const slow = recorder(() => {
      if (!accepting) refused++;
      return accepting;
    });
    hub.subscribe({}, null, slow.send);
    const healthy = recorder();
    hub.subscribe({}, null, healthy.send);

    const started = Date.now();
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    await writeToPipe(pipes.stdout, lines);
    await until('50k lines read', () => hub.lastSeq === 50_000);
    const elapsed = Date.now() - started;
    expect(healthy.entries()).toHaveLength(50_000);
    expect(slow.messages).toHaveLength(0);
    expect(refused).toBeGreaterThan(0);
    // The slow client did not slow the producer: its entries were never queued anywhere.
    expect(elapsed).toBeLessThan(15_000);

    accepting = true;
    hub.system(job, 'INFO', 'after the storm');
    expect(slow.messages).toEqual([
      { type: 'dropped', count: 50_000, fromSeq: 1, toSeq: 50_000 },
      { type: 'entry', entry: expect.objectContaining({ seq: 50_001, line: 'after the storm' }) },
    ]);
  });

  it('sends the dropped marker on a timer when no new entry comes to carry it', async () => {
    const hub = openHub(await tempDir());
    let accepting = false;
    const client = recorder(() => accepting);
    hub.subscribe({ kind: 'task' }, null, client.send);
    hub.system(job, 'INFO', 'one');
    hub.system(api, 'INFO', 'not counted: another source');
    hub.system(job, 'INFO', 'two');
    accepting = true;
    await until('the marker', () => client.messages.length === 1);
    expect(client.messages[0]).toEqual({ type: 'dropped', count: 2, fromSeq: 1, toSeq: 3 });
  });
});
