import { fastifyWebsocket } from '@fastify/websocket';
import { describe, expect, it } from 'vitest';
import { startBareApp } from '../http/test-support/bare-app.js';
import { LogHub } from '../logs/index.js';
import { useClosers, useTempDirs } from '../logs/test-support/fixtures.js';
import type { LogSource } from '../logs/index.js';
import { EventBus } from './bus.js';
import { liveRoutes } from './live-routes.js';
import { startLiveApp, type LiveApp } from './test-support/live-app.js';
import { connect, refusal, type Received } from './test-support/ws-client.js';

const tempDir = useTempDirs();
const onClose = useClosers();

async function setup(options: { heartbeatSeconds?: number } = {}): Promise<LiveApp> {
  return startLiveApp(await tempDir(), onClose, options);
}

const job: LogSource = { kind: 'task', id: 'job', run: 'r1' };
const web: LogSource = { kind: 'service', id: 'web', instance: 0 };

const entrySeqs = (messages: Received[]): number[] =>
  messages.flatMap((m) => (m.type === 'entry' ? [(m.entry as { seq: number }).seq] : []));

describe('live routes', () => {
  it('streams log entries, and a client that reconnects with the last seq it saw misses nothing and sees nothing twice', async () => {
    const { ws, hub } = await setup();
    for (let i = 1; i <= 5; i++) hub.system(job, 'INFO', `before ${i}`);
    const first = await connect(`${ws}/ws/logs?kind=task&since=3`);
    await first.waitFor('ready', (m) => m.some((x) => x.type === 'ready'));
    expect(first.messages.find((m) => m.type === 'ready')).toEqual({ type: 'ready', seq: 5 });
    hub.system(job, 'INFO', 'live 6');
    hub.system(web, 'INFO', 'other kind');
    hub.system(job, 'ERROR', 'live 8');
    await first.waitFor('live entries', (m) => entrySeqs(m).includes(8));
    expect(entrySeqs(first.messages)).toEqual([4, 5, 6, 8]);
    first.socket.close();
    await first.closed;

    for (let i = 9; i <= 12; i++) hub.system(job, 'INFO', `while away ${i}`);
    const lastSeen = Math.max(...entrySeqs(first.messages));
    const again = await connect(`${ws}/ws/logs?kind=task&since=${lastSeen}`);
    hub.system(job, 'INFO', 'live 13');
    await again.waitFor('entry 13', (m) => entrySeqs(m).includes(13));
    expect(entrySeqs(again.messages)).toEqual([9, 10, 11, 12, 13]);
    again.socket.close();
  });

  it('sends batches to a client that asks for them, resumable by the last seq of the last run', async () => {
    const { ws, hub } = await setup();
    for (let i = 1; i <= 5; i++) hub.system(job, 'INFO', `before ${i}`);
    const client = await connect(`${ws}/ws/logs?kind=task&since=2&batch=true`);
    await client.waitFor('ready', (m) => m.some((x) => x.type === 'ready'));
    hub.system(job, 'WARNING', 'live 6');
    await client.waitFor('the live batch', (m) => m.filter((x) => x.type === 'batch').length === 2);
    const runs = client.messages.flatMap((m) =>
      m.type === 'batch' ? (m.runs as { seq: number; level: string; text: string }[]) : [],
    );
    expect(runs.map((r) => [r.seq, r.level, r.text])).toEqual([
      [3, 'INFO', 'before 3'],
      [4, 'INFO', 'before 4'],
      [5, 'INFO', 'before 5'],
      [6, 'WARNING', 'live 6'],
    ]);
    expect(entrySeqs(client.messages)).toEqual([]);

    // A subscription message keeps batches unless it says otherwise.
    client.send({ type: 'subscribe', kind: 'task', since: 5, batch: false });
    await client.waitFor('entry 6', (m) => entrySeqs(m).includes(6));
    client.socket.close();
  });

  it('changes the subscription when the client asks, and answers a bad request with an error message', async () => {
    const { ws, hub } = await setup();
    const client = await connect(`${ws}/ws/logs?kind=task`);
    await client.waitFor('ready', (m) => m.length === 1);
    client.send({ type: 'subscribe', kind: 'service', level: 'LOUD' });
    await client.waitFor('error', (m) => m.some((x) => x.type === 'error'));
    expect(client.messages[1]).toMatchObject({
      type: 'error',
      error: { code: 'CD_VALIDATION_FAILED' },
    });
    client.socket.send('not json');
    await client.waitFor('second error', (m) => m.filter((x) => x.type === 'error').length === 2);
    expect(client.messages[2]).toMatchObject({ error: { code: 'CD_INVALID_JSON' } });

    client.send({ type: 'subscribe', kind: 'service', id: 'web', level: 'WARNING' });
    await client.waitFor('ready again', (m) => m.filter((x) => x.type === 'ready').length === 2);
    hub.system(job, 'ERROR', 'task line');
    hub.system(web, 'INFO', 'too quiet');
    hub.system(web, 'WARNING', 'loud enough');
    await client.waitFor('the warning', (m) => m.some((x) => x.type === 'entry'));
    const entries = client.messages.filter((m) => m.type === 'entry');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      entry: { line: 'loud enough', level: 'WARNING', source: web },
    });
    client.socket.close();
  });

  it('refuses a bad query with 400 JSON before upgrading', async () => {
    const { ws } = await setup();
    for (const query of [
      'level=LOUD',
      'since=-1',
      'since=soon',
      'instance=x',
      'bogus=1',
      'id=a%2Fb',
    ]) {
      const answer = await refusal(`${ws}/ws/logs?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toMatchObject({ error: { code: 'CD_VALIDATION_FAILED' } });
    }
    const events = await refusal(`${ws}/ws/events?types=task.status,nope`);
    expect(events.status).toBe(400);
    expect(JSON.stringify(events.body)).toContain('nope');
  });

  it('takes no token in the URL: a ?token= is an unknown parameter, refused before upgrading', async () => {
    // Who may connect is the server's guard's business (a header or the session cookie);
    // a token in the URL would end up in logs and browser history.
    const { ws } = await setup();
    for (const url of [`${ws}/ws/logs?token=abc`, `${ws}/ws/events?token=abc`]) {
      const answer = await refusal(url);
      expect(answer.status, url).toBe(400);
      expect(answer.body, url).toMatchObject({ error: { code: 'CD_VALIDATION_FAILED' } });
    }
  });

  it('streams events filtered by type, replaying from since', async () => {
    const { ws, bus } = await setup();
    bus.publish('task.status', { id: 'a', status: 'RUNNING', previous: null }, 'default');
    bus.publish('service.status', { name: 'web', status: 'UP', previous: null }, 'default');
    const client = await connect(`${ws}/ws/events?types=service.status,service.restart&since=0`);
    await client.waitFor('ready', (m) => m.some((x) => x.type === 'ready'));
    bus.publish('task.status', { id: 'a', status: 'DONE', previous: 'RUNNING' }, 'default');
    bus.publish(
      'service.restart',
      {
        name: 'web',
        instance: 0,
        reason: 'exit 1',
        delayMs: 2000,
        restarts: 1,
      },
      'default',
    );
    await client.waitFor('the restart', (m) => m.length === 3);
    expect(
      client.messages.map((m) =>
        m.type === 'event' ? (m.event as { type: string }).type : m.type,
      ),
    ).toEqual(['service.status', 'ready', 'service.restart']);
    expect(client.messages[2]).toMatchObject({ event: { seq: 4, data: { reason: 'exit 1' } } });
    client.send({ type: 'subscribe', types: ['task.status'], since: 0 });
    await client.waitFor('task events', (m) => m.filter((x) => x.type === 'ready').length === 2);
    expect(
      client.messages.slice(3).map((m) => (m.event as { seq: number } | undefined)?.seq ?? m.type),
    ).toEqual([1, 3, 'ready']);
    client.socket.close();
  });

  it('drops entries for a client that stops reading and accounts for every one of them', async () => {
    const { ws, hub } = await setup();
    const client = await connect(`${ws}/ws/logs`);
    await client.waitFor('ready', (m) => m.length === 1);
    // Stop reading: the kernel buffers fill, then the server's send buffer passes 1 MiB.
    const tcp = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })
      ._socket;
    tcp.pause();
    const padding = 'x'.repeat(1000);
    for (let i = 0; i < 30_000; i++) hub.system(job, 'INFO', `${i} ${padding}`);
    tcp.resume();
    // Once the buffer has drained the marker goes out, even with no new entry to carry it.
    await client.waitFor('the marker', (m) => m.some((x) => x.type === 'dropped'));
    hub.system(job, 'INFO', 'after');
    await client.waitFor('the last entry', (m) =>
      m.some((x) => x.type === 'entry' && (x.entry as { line: string }).line === 'after'),
    );
    const dropped = client.messages.filter((m) => m.type === 'dropped') as unknown as {
      count: number;
      fromSeq: number;
      toSeq: number;
    }[];
    expect(dropped.length).toBeGreaterThan(0);
    const delivered = entrySeqs(client.messages);
    const skipped = dropped.reduce((sum, d) => sum + d.count, 0);
    expect(delivered.length + skipped).toBe(30_001);
    for (const d of dropped) expect(d.toSeq - d.fromSeq + 1).toBe(d.count);
    client.socket.close();
  });

  it('terminates a client that never answers pings, and keeps one that does', async () => {
    const { ws } = await setup({ heartbeatSeconds: 0.1 });
    const deaf = await connect(`${ws}/ws/events`, { autoPong: false });
    const healthy = await connect(`${ws}/ws/events`);
    const started = Date.now();
    // 1006: the connection was cut, not closed with a handshake.
    expect(await deaf.closed).toBe(1006);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
    healthy.socket.close();
  });

  it('closes every socket when the app closes', async () => {
    const { app, ws } = await setup();
    const clients = await Promise.all([connect(`${ws}/ws/logs`), connect(`${ws}/ws/events`)]);
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await Promise.all(clients.map((c) => c.closed))).toEqual([1001, 1001]);
  });

  it('uses the WebSocket plugin the app already has instead of registering it again', async () => {
    const hub = new LogHub({
      dir: await tempDir(),
      journal: { maxSize: 1024 * 1024, maxFiles: 2 },
    });
    onClose(() => hub.close());
    const bus = new EventBus();
    const app = await startBareApp(async (instance) => {
      await instance.register(fastifyWebsocket);
      await liveRoutes(instance, {
        hub,
        bus,
        heartbeatSeconds: () => 30,
      });
    });
    onClose(() => app.close());
    const client = await connect(`${app.url.replace(/^http/, 'ws')}/ws/events`);
    await client.waitFor('ready', (m) => m.length === 1);
    client.socket.close();
  });
});
