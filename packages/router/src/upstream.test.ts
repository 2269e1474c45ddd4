import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RouterProxy, type ProxyOptions } from './proxy.js';
import { RouterStats } from './stats.js';
import { parseRouteTable } from './table.js';
import { request, startBackend, waitFor } from './test-support/backends.js';

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A raw TCP backend: `answer` gets each request's bytes and its connection's request count. */
async function rawBackend(
  answer: (socket: Socket, nth: number, data: string) => void,
): Promise<{ address: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let nth = 0;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      answer(socket, ++nth, data.toString('latin1'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, connections: () => connections };
}

async function proxyTo(address: string, options: Partial<ProxyOptions> = {}) {
  const parsed = parseRouteTable({
    versions: [{ version: 'stable', weight: 100, backends: [address] }],
  });
  if (!parsed.ok) throw new Error('bad table');
  const proxy = new RouterProxy({ stats: new RouterStats(), table: parsed.table, ...options });
  const { port } = await proxy.listen(0, '127.0.0.1');
  closers.push(() => proxy.close(100));
  return { proxy, port };
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('upstream connections', () => {
  it('sends sequential requests over one kept-alive connection', async () => {
    const backend = await startBackend('stable');
    closers.push(() => backend.close());
    let connections = 0;
    backend.server.on('connection', () => connections++);
    const { proxy, port } = await proxyTo(backend.address);
    for (let i = 0; i < 20; i++) expect((await request(port)).body).toBe('stable');
    expect(connections).toBe(1);
    expect(proxy.connections()).toEqual({ [backend.address]: 1 });
  });

  it('retries a GET whose kept-alive connection the backend dropped, but not a POST', async () => {
    // The backend answers the first request on a connection and drops the second,
    // as a server does when its keep-alive timeout races the next request.
    const backend = await rawBackend((socket, nth) => {
      if (nth === 1) socket.write(OK);
      else socket.destroy();
    });
    const { port } = await proxyTo(backend.address);
    expect((await request(port)).status).toBe(200);
    const retried = await request(port);
    expect(retried).toMatchObject({ status: 200, body: 'ok' });
    expect(backend.connections()).toBe(2);
    const post = await request(port, { method: 'POST' });
    expect(post.status).toBe(502);
    expect(JSON.parse(post.body)).toMatchObject({ error: { code: 'CD_BAD_GATEWAY' } });
  });

  it('answers 502 to a malformed response and does not reuse its connection', async () => {
    let requests = 0;
    const backend = await rawBackend((socket) => {
      if (++requests === 1) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n');
      } else socket.write(OK);
    });
    const { port } = await proxyTo(backend.address);
    expect((await request(port)).status).toBe(502);
    expect(await request(port)).toMatchObject({ status: 200, body: 'ok' });
    expect(backend.connections()).toBe(2);
  });

  it('passes on a body that ends with the connection', async () => {
    const backend = await rawBackend((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    });
    const { port } = await proxyTo(backend.address);
    expect(await request(port)).toMatchObject({ status: 200, body: 'until the end' });
  });

  it('queues requests beyond the connection limit instead of failing them', async () => {
    const backend = await startBackend('stable');
    closers.push(() => backend.close());
    let connections = 0;
    backend.server.on('connection', () => connections++);
    const { port } = await proxyTo(backend.address, { maxSockets: 1 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => request(port, { path: '/slow/20' })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(connections).toBe(1);
  });

  it('closes idle connections, and those of backends no longer routed to', async () => {
    const first = await startBackend('first');
    const second = await startBackend('second');
    closers.push(
      () => first.close(),
      () => second.close(),
    );
    const { proxy, port } = await proxyTo(first.address, { idleMs: 50, timeoutMs: 100 });
    await request(port);
    expect(proxy.connections()).toEqual({ [first.address]: 1 });
    await waitFor(() => proxy.connections()[first.address] === 0);
    await request(port);
    const parsed = parseRouteTable({
      versions: [{ version: 'stable', weight: 100, backends: [second.address] }],
    });
    if (!parsed.ok) throw new Error('bad table');
    proxy.setTable(parsed.table);
    expect(proxy.connections()[first.address]).toBeUndefined();
    expect((await request(port)).body).toBe('second');
  });

  it('sends a chunked request body on as chunked, and a sized one with its length', async () => {
    const seen: string[] = [];
    const backend = await rawBackend((socket, _nth, data) => {
      seen.push(data);
      if (data.endsWith('0\r\n\r\n') || data.endsWith('abc')) socket.write(OK);
    });
    const { port } = await proxyTo(backend.address);
    await request(port, {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: 'abc',
    });
    await request(port, { method: 'POST', body: 'abc' });
    const [chunked, sized] = [seen.join('').split('POST')[1]!, seen.join('').split('POST')[2]!];
    expect(chunked).toContain('transfer-encoding: chunked\r\n');
    expect(chunked).toContain('\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(sized.toLowerCase()).toContain('content-length: 3\r\n');
    expect(sized).toMatch(/\r\n\r\nabc$/);
  });

  it('keeps every body intact when many answers arrive at once for slow clients', async () => {
    const size = 8 * 1024 * 1024;
    const backend = createHttpServer((req, res) => {
      const letter = (req.url ?? '/a').slice(1, 2);
      res.writeHead(200, { 'content-length': size });
      // Written in pieces, so reads for different requests interleave.
      let sent = 0;
      const more = () => {
        while (sent < size) {
          const piece = Buffer.alloc(Math.min(7001, size - sent), letter);
          sent += piece.length;
          if (!res.write(piece)) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          backend.closeAllConnections();
          backend.close(() => {
            resolve();
          });
        }),
    );
    const { port } = await proxyTo(`127.0.0.1:${(backend.address() as AddressInfo).port}`);
    const letters = ['a', 'b', 'c', 'd', 'e', 'f'];
    const bodies = await Promise.all(
      letters.map(
        (letter) =>
          new Promise<string>((resolve, reject) => {
            httpGet({ host: '127.0.0.1', port, path: `/${letter}`, agent: false }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => {
                chunks.push(chunk);
                // A slow reader: the proxy has to hold back and resume.
                res.pause();
                setTimeout(() => res.resume(), 1);
              });
              res.on('end', () => {
                resolve(Buffer.concat(chunks).toString('latin1'));
              });
            }).on('error', reject);
          }),
      ),
    );
    bodies.forEach((body, i) => {
      expect(body.length).toBe(size);
      expect(body.replaceAll(letters[i]!, '')).toBe('');
    });
  });
});
