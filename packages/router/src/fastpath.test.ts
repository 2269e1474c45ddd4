import http from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterProxy } from './proxy.js';
import { RouterStats } from './stats.js';
import { parseRouteTable } from './table.js';
import { startBackend, type TestBackend } from './test-support/backends.js';

describe('fast path and hand-over in the proxy', () => {
  let backend: TestBackend;
  let proxy: RouterProxy;
  let port: number;

  beforeAll(async () => {
    backend = await startBackend('stable');
    const parsed = parseRouteTable({
      versions: [{ version: 'stable', weight: 100, backends: [backend.address] }],
    });
    if (!parsed.ok) throw new Error('bad table');
    proxy = new RouterProxy({ stats: new RouterStats(), table: parsed.table });
    port = (await proxy.listen(0, '127.0.0.1')).port;
  });

  afterAll(async () => {
    await proxy.close(100);
    await backend.close();
  });

  /** Writes raw bytes on one connection and collects everything until it closes. */
  function exchange(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(text));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
      socket.on('close', () => {
        resolve(data);
      });
      socket.on('error', reject);
    });
  }

  it('answers pipelined requests in order, across the hand-over to Node', async () => {
    const answer = await exchange(
      'GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\n' +
        'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n' +
        'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
        'GET /status/202 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const statuses = [...answer.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    expect(statuses).toEqual(['201', '200', '200', '202']);
    expect(answer).toMatch(/\r\n\r\n5\r\nhello\r\n0\r\n\r\n/);
    // The HEAD answer is a head alone: the next answer follows its blank line.
    expect(answer.split('HTTP/1.1 ')[2]).toMatch(/\r\n\r\n$/);
  });

  it('adds x-forwarded-* and closes when the client asks', async () => {
    const answer = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port,
              path: '/headers',
              agent: false,
              headers: { host: 'front.test', 'x-forwarded-for': '10.0.0.1', connection: 'close' },
            },
            (res) => {
              let body = '';
              res.on('data', (chunk: Buffer) => (body += chunk.toString()));
              res.on('end', () => {
                resolve({ headers: res.headers, body });
              });
            },
          )
          .on('error', reject);
      },
    );
    expect(answer.headers['connection']).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({
      host: 'front.test',
      'x-forwarded-for': '10.0.0.1, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'front.test',
    });
  });

  it('passes answers without a length on chunked, and cuts none short', async () => {
    // A backend that streams its answer chunked, or until it closes the connection.
    const raw = createServer((socket) => {
      socket.on('data', (data: Buffer) => {
        if (data.toString('latin1').startsWith('GET /chunked')) {
          socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
          setTimeout(() => socket.write('2\r\nde\r\n0\r\n\r\n'), 20);
        } else {
          socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close');
        }
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const parsed = parseRouteTable({
      versions: [
        {
          version: 'stable',
          weight: 100,
          backends: [`127.0.0.1:${(raw.address() as AddressInfo).port}`],
        },
      ],
    });
    if (!parsed.ok) throw new Error('bad table');
    proxy.setTable(parsed.table);
    try {
      const chunked = await exchange(
        'GET /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      expect(chunked).toMatch(/transfer-encoding: chunked/i);
      expect(chunked.slice(chunked.indexOf('\r\n\r\n') + 4)).toBe(
        '3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
      );
      const closing = await exchange('GET /close HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      expect(closing.slice(closing.indexOf('\r\n\r\n') + 4)).toBe('b\r\nuntil close\r\n0\r\n\r\n');
    } finally {
      raw.close();
    }
  });
});
