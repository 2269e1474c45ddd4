import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { RouteTableInput } from './table.js';
import { waitFor } from './test-support/backends.js';
import { buildRouter, startRouterProcess, type StandaloneRouter } from './test-support/spawn.js';

/** A WebSocket backend: says its version on open and echoes every message with it. */
async function wsBackend(version: string) {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(version);
  });
  const sockets = new WebSocketServer({ noServer: true });
  let closedByClient = 0;
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (req.url === '/reject') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 6\r\nconnection: close\r\n\r\nno way');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      ws.send(`hello from ${version}`);
      ws.on('message', (data, binary) => {
        if (binary) ws.send(data, { binary: true });
        else ws.send(`${version}:${(data as Buffer).toString()}`);
      });
      ws.on('close', () => closedByClient++);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    closedByClient: () => closedByClient,
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Opened {
  ws: WebSocket;
  /** The first message: which version answered. */
  greeting: string;
  headers: http.IncomingHttpHeaders;
}

function open(port: number, headers: Record<string, string> = {}, path = '/'): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    let upgrade: http.IncomingHttpHeaders = {};
    ws.once('upgrade', (res) => {
      upgrade = res.headers;
    });
    ws.once('message', (data: Buffer) => {
      resolve({ ws, greeting: data.toString(), headers: upgrade });
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`unexpected ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => {
      resolve(data);
    });
  });
}

describe('WebSocket upgrades through the router', () => {
  let stable: Awaited<ReturnType<typeof wsBackend>>;
  let canary: Awaited<ReturnType<typeof wsBackend>>;
  let router: StandaloneRouter;
  let port: number;
  const opened: WebSocket[] = [];

  const split = (stableWeight: number, extra: Partial<RouteTableInput> = {}): RouteTableInput => ({
    versions: [
      { version: 'stable', weight: stableWeight, backends: [stable.address] },
      { version: 'canary', weight: 100 - stableWeight, backends: [canary.address] },
    ],
    ...extra,
  });

  beforeAll(async () => {
    buildRouter();
    stable = await wsBackend('stable');
    canary = await wsBackend('canary');
    // One process, so the weighted sequence is one and the split exact.
    router = await startRouterProcess(['--workers', '1']);
    port = router.router.port;
  }, 120_000);

  afterAll(async () => {
    for (const ws of opened) ws.terminate();
    await router.stop();
    await stable.close();
    await canary.close();
  });

  it('splits connections by weight, pipes messages both ways, and counts them', async () => {
    const from = Date.now();
    await router.client.setRoutes(split(80));
    const greetings: string[] = [];
    for (let i = 0; i < 20; i++) {
      const connection = await open(port);
      opened.push(connection.ws);
      greetings.push(connection.greeting);
      expect(connection.headers['x-codedance-version']).toBe(
        connection.greeting.replace('hello from ', ''),
      );
    }
    expect(greetings.filter((g) => g === 'hello from canary')).toHaveLength(4);

    const [first] = opened;
    first!.send('ping');
    expect((await next(first!)).toString()).toBe(`${greetings[0]!.slice(11)}:ping`);
    // A large binary message both ways, through the pipe's back-pressure.
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    first!.send(big, { binary: true });
    const back = await next(first!);
    expect(back.equals(big)).toBe(true);

    const window = await router.client.stats({ from });
    expect(window.versions['stable']).toMatchObject({ upgrades: 16, requests: 16 });
    expect(window.versions['canary']).toMatchObject({ upgrades: 4, requests: 4 });

    // Either side's close reaches the other.
    const closedBefore = stable.closedByClient() + canary.closedByClient();
    for (const ws of opened.splice(0)) ws.close();
    await waitFor(() => stable.closedByClient() + canary.closedByClient() === closedBefore + 20);
    const connection = await open(port);
    const closed = new Promise<number>((resolve) => connection.ws.once('close', resolve));
    for (const ws of [...stable.sockets.clients, ...canary.sockets.clients]) ws.close(4000);
    expect(await closed).toBe(4000);
  });

  it('honours the sticky cookie and the x-canary header', async () => {
    await router.client.setRoutes(split(50, { sticky: true }));
    const first = await open(port);
    opened.push(first.ws);
    const cookie = first.headers['set-cookie']?.[0]?.split(';')[0];
    expect(cookie).toMatch(/^cd_version=(stable|canary)$/);
    for (let i = 0; i < 6; i++) {
      const again = await open(port, { cookie: cookie! });
      opened.push(again.ws);
      expect(again.greeting).toBe(first.greeting);
      expect(again.headers['set-cookie']).toBeUndefined();
    }
    await router.client.setRoutes(split(100));
    const always = await open(port, { 'x-canary': 'always' });
    opened.push(always.ws);
    expect(always.greeting).toBe('hello from canary');
  });

  it('passes on a refused upgrade, and answers 502 when no backend is there', async () => {
    await router.client.setRoutes(split(100));
    await expect(open(port, {}, '/reject')).rejects.toThrow('unexpected 403');
    await router.client.setRoutes({
      versions: [{ version: 'stable', weight: 100, backends: ['127.0.0.1:1'] }],
    });
    await expect(open(port)).rejects.toThrow('unexpected 502');
    // Plain requests on the same port still work alongside.
    await router.client.setRoutes(split(100));
    const plain = await fetch(`http://127.0.0.1:${port}/`);
    expect(await plain.text()).toBe('stable');
  });
});
