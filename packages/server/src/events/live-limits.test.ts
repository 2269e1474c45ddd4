import { WebSocket as WsClient } from 'ws';
import { describe, expect, it } from 'vitest';
import { until, useClosers, useTempDirs } from '../logs/test-support/fixtures.js';
import type { LogSource } from '../logs/index.js';
import { DEFAULT_LIVE_LIMITS, LIVE_CLOSE_CODES, type LiveLimits } from './live-limits.js';
import { startLiveApp } from './test-support/live-app.js';

const tempDir = useTempDirs();
const onClose = useClosers();

async function setup(limits: Partial<LiveLimits>) {
  const { app, ws, hub } = await startLiveApp(await tempDir(), onClose, {
    limits: () => ({ ...DEFAULT_LIVE_LIMITS, ...limits }),
  });
  /** The server's side of every live connection. */
  const serverSockets = (): Set<WsClient> =>
    (app.app as unknown as { websocketServer: { clients: Set<WsClient> } }).websocketServer.clients;
  return { ws, hub, serverSockets };
}

interface Outcome {
  /** 'open' when the connection was kept, else the close code the server sent. */
  result: 'open' | number;
  reason: string;
  socket: WsClient;
}

/**
 * Opens a live connection (from a given loopback address) and says whether
 * the server kept it: a refused one is closed at once with a code.
 */
async function open(url: string, localAddress = '127.0.0.1'): Promise<Outcome> {
  const socket = new WsClient(url, { localAddress });
  onClose(() => {
    socket.terminate();
  });
  return new Promise((resolve, reject) => {
    let settle: NodeJS.Timeout | null = null;
    socket.once('error', reject);
    socket.once('close', (code, reason) => {
      if (settle) clearTimeout(settle);
      resolve({ result: code, reason: reason.toString(), socket });
    });
    socket.once('open', () => {
      // A kept connection gets a first message (ready) on /ws/logs and /ws/events; /ws
      // says nothing until asked, so it is asked for a subscription.
      if (url.endsWith('/ws')) {
        socket.send(JSON.stringify({ type: 'subscribe', sub: 'a', stream: 'events' }));
      }
      socket.once('message', () => {
        settle = setTimeout(() => {
          resolve({ result: 'open', reason: '', socket });
        }, 20);
      });
    });
  });
}

const job: LogSource = { kind: 'task', id: 'job', run: 'r1' };

describe('live connection limits', () => {
  it('refuses connections past the per-address limit with 4429 and a reason, on every route', async () => {
    const { ws, serverSockets } = await setup({ maxConnections: 100, maxConnectionsPerAddress: 3 });
    const kept = [
      await open(`${ws}/ws`),
      await open(`${ws}/ws/logs`),
      await open(`${ws}/ws/events`),
    ];
    expect(kept.map((o) => o.result)).toEqual(['open', 'open', 'open']);
    for (const route of ['/ws', '/ws/logs', '/ws/events']) {
      const refused = await open(`${ws}${route}`);
      expect(refused.result, route).toBe(LIVE_CLOSE_CODES.tooManyFromAddress);
      expect(refused.reason).toBe('too many live connections from your address (3)');
    }
    // Another address is not held to this one's count.
    expect((await open(`${ws}/ws/logs`, '127.0.0.2')).result).toBe('open');
    // A closed connection frees its place.
    const leaving = kept[0] as Outcome;
    const gone = new Promise((resolve) => leaving.socket.once('close', resolve));
    leaving.socket.close();
    await gone;
    // Three kept from 127.0.0.1 and one from 127.0.0.2, less the one that left.
    await until('the server to let go of it', () => serverSockets().size === 3);
    expect((await open(`${ws}/ws/events`)).result).toBe('open');
  });

  it('refuses connections past the total limit with 1013 (try again later)', async () => {
    const { ws } = await setup({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const kept = [
      await open(`${ws}/ws/logs`, '127.0.0.1'),
      await open(`${ws}/ws/logs`, '127.0.0.1'),
      await open(`${ws}/ws/events`, '127.0.0.2'),
    ];
    expect(kept.map((o) => o.result)).toEqual(['open', 'open', 'open']);
    const refused = await open(`${ws}/ws`, '127.0.0.3');
    expect(refused.result).toBe(LIVE_CLOSE_CODES.busy);
    expect(refused.reason).toBe('server busy: 3 live connections open; try again later');
  });

  it('closes a client that never reads with 4008 before its unsent bytes pass the limit', async () => {
    const maxBufferedBytes = 1024 * 1024;
    const { ws, serverSockets } = await setup({
      maxBufferedBytes,
      maxConnectionsPerAddress: 1,
    });
    const client = await open(`${ws}/ws`);
    expect(client.result).toBe('open');
    const { socket } = client;
    const closed = new Promise<[number, string]>((resolve) => {
      socket.once('close', (code, reason) => {
        resolve([code, reason.toString()]);
      });
    });
    // The client stops reading, and asks for a reply as fast as it can: each bad request is
    // answered with an error message, which is never dropped.
    const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    let peak = 0;
    const watch = setInterval(() => {
      for (const s of serverSockets()) peak = Math.max(peak, s.bufferedAmount);
    }, 1);
    try {
      for (let round = 0; round < 200 && socket.readyState === socket.OPEN; round++) {
        for (let i = 0; i < 1000; i++) socket.send('{"type":"nonsense"}');
        await new Promise((resolve) => setImmediate(resolve));
        if ([...serverSockets()].some((s) => s.readyState !== s.OPEN)) break;
      }
      await until('the server to close the connection', () =>
        [...serverSockets()].every((s) => s.readyState !== s.OPEN),
      );
    } finally {
      clearInterval(watch);
    }
    // Bounded: never more than the limit (and one message) waited on the server's side.
    expect(peak).toBeGreaterThan(maxBufferedBytes / 2);
    expect(peak).toBeLessThanOrEqual(maxBufferedBytes + 1024);
    // Once it reads again, the client learns why, after what was already on its way.
    tcp.resume();
    expect(await closed).toEqual([
      LIVE_CLOSE_CODES.tooSlow,
      `too slow: more than ${maxBufferedBytes} bytes waiting to be sent`,
    ]);
    // Its place is free again.
    await until('the place to be freed', () => serverSockets().size === 0);
    expect((await open(`${ws}/ws/events`)).result).toBe('open');
  });

  it('keeps a never-reading log subscriber within the congestion mark during a burst of long lines', async () => {
    const maxBufferedBytes = 2 * 1024 * 1024;
    const { ws, hub, serverSockets } = await setup({ maxBufferedBytes });
    const socket = new WsClient(`${ws}/ws/logs?batch=true`);
    onClose(() => {
      socket.terminate();
    });
    await new Promise((resolve) => socket.once('message', resolve));
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const long = 'x'.repeat(60 * 1024);
    let peak = 0;
    for (let i = 0; i < 400; i++) {
      hub.system(job, 'INFO', `${i} ${long}`);
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 12));
      for (const s of serverSockets()) peak = Math.max(peak, s.bufferedAmount);
    }
    // 24 MB of lines went by; what waits for this client stays near the 1 MiB mark
    // (a message of at most 256 KiB of lines on top), and the rest is dropped and counted.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(1024 * 1024 + 300 * 1024);
    expect([...serverSockets()].every((s) => s.readyState === s.OPEN)).toBe(true);
  });
});
