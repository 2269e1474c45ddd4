import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDOFF, INCOMPLETE, MAX_FAST_HEAD, parseFastRequest } from './request-head.js';

function parse(text: string) {
  return parseFastRequest(Buffer.from(text, 'latin1'), 0);
}

const PLAIN = 'GET /a/b?c=d&e=%20 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n';

/** Heads the fast path must leave to Node, and why. */
const HANDED_OVER: [string, string][] = [
  ['a body', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc'],
  ['a zero length', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'],
  ['chunking', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['another method', 'DELETE / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['HTTP/1.0', 'GET / HTTP/1.0\r\nHost: a\r\n\r\n'],
  ['no Host', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n'],
  ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
  ['Expect', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n'],
  ['Upgrade', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'],
  ['Connection tokens', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x-a\r\n\r\n'],
  ['a bare LF', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
  ['obsolete folding', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n'],
  ['a space before a colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
  ['a control character', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: \x01\r\n\r\n'],
  ['a fragment', 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['an absolute URL', 'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['a lower-case method', 'get / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['a quote in the target', 'GET /"a" HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['a large head', `GET / HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(MAX_FAST_HEAD)}\r\n\r\n`],
];

describe('fast path request heads', () => {
  it('reads a plain GET, trimming whitespace around values', () => {
    expect(parse(PLAIN)).toEqual({
      method: 'GET',
      url: '/a/b?c=d&e=%20',
      raw: ['Host', 'example.test', 'Accept', '*/*'],
      close: false,
      next: PLAIN.length,
    });
    expect(parse('HEAD / HTTP/1.1\r\nHost:  a \t\r\nConnection: Close\r\n\r\n')).toMatchObject({
      method: 'HEAD',
      raw: ['Host', 'a', 'Connection', 'Close'],
      close: true,
    });
  });

  it('waits for the rest of a head, and finds where the next request starts', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\n')).toBe(INCOMPLETE);
    expect(parse(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(MAX_FAST_HEAD)}`)).toBe(HANDOFF);
    const two = `${PLAIN}GET /next HTTP/1.1\r\nHost: a\r\n\r\n`;
    const first = parseFastRequest(Buffer.from(two, 'latin1'), 0);
    if (typeof first === 'string') throw new Error('expected a request');
    expect(parseFastRequest(Buffer.from(two, 'latin1'), first.next)).toMatchObject({
      url: '/next',
    });
  });

  it.each(HANDED_OVER)('leaves a request with %s to Node', (_why, text) => {
    expect(parse(text)).toBe(HANDOFF);
  });
});

describe('fast path against Node’s parser', () => {
  let server: http.Server;
  let port: number;
  const seen: { method: string; url: string; raw: string[] }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', raw: req.rawHeaders });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  /** What Node makes of a head: its request, or `undefined` when it refuses it. */
  async function node(text: string) {
    seen.length = 0;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(text, 'latin1')));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
      socket.on('close', () => {
        resolve(data);
      });
      socket.on('error', () => {
        resolve(data);
      });
    });
    return answer.startsWith('HTTP/1.1 200') ? seen[0] : undefined;
  }

  it('takes only requests Node takes too, and reads them the same way', async () => {
    const accepted = [
      PLAIN,
      'HEAD /x HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n',
      "GET /!$&'()*+,;=:@/~._- HTTP/1.1\r\nHost: a\r\n\r\n",
      'GET / HTTP/1.1\r\nHost: a\r\nX-Latin: caf\xe9\r\nCookie: a=1; b=2\r\n\r\n',
      'GET /twice HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\ncookie: b=2\r\nX-A:\t lead and trail \t\r\n\r\n',
      `GET /${'x'.repeat(4000)} HTTP/1.1\r\nHost: a\r\n${'X-N: v\r\n'.repeat(90)}\r\n`,
    ];
    for (const text of [...accepted, ...HANDED_OVER.map(([, t]) => t)]) {
      const fast = parse(text);
      if (typeof fast === 'string') continue;
      const parsed = await node(text);
      expect(parsed, text).toEqual({ method: fast.method, url: fast.url, raw: fast.raw });
    }
    for (const text of accepted) expect(parse(text), text).not.toBe(HANDOFF);
  });
});
