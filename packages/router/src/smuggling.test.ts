import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouter, startRouterProcess, type StandaloneRouter } from './test-support/spawn.js';
import {
  exchangeRaw,
  recordingBackend,
  scriptedBackend,
  type RecordingBackend,
  type SeenRequest,
  type WireExchange,
} from './test-support/wire.js';

/**
 * Request smuggling and desync cases, sent byte for byte to the real router
 * process in front of a backend that records what it receives. Each client
 * must get exactly its own answer, and the backend must never see a request
 * the client did not send as a request of its own.
 */
interface WireCase {
  name: string;
  /** The bytes, in the writes they are sent in. */
  send: string | string[];
  /** Methods of the requests in order (for HEAD answers). */
  methods?: string[];
  /** Final statuses the client must get, in order. */
  answers: number[];
  /** What the backend must have read, exactly. */
  forwarded: SeenRequest[];
  interim?: number[];
}

const H = 'Host: app.test\r\n';
const SMUGGLED = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;
const post = (url: string, body: string): SeenRequest => ({ method: 'POST', url, body });
const get = (url: string): SeenRequest => ({ method: 'GET', url, body: '' });

const REQUESTS: WireCase[] = [
  {
    name: 'Connection naming Content-Length',
    send: `POST /a HTTP/1.1\r\n${H}Connection: Content-Length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'Connection naming Content-Length among other tokens',
    send: `POST /a HTTP/1.1\r\n${H}Connection: keep-alive, x-trace, content-length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'Connection naming Transfer-Encoding',
    send: `POST /a HTTP/1.1\r\n${H}Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'Connection naming Host, in a second Connection line',
    send: `GET /a HTTP/1.1\r\n${H}Connection: keep-alive\r\nConnection: host\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'Content-Length and Transfer-Encoding together',
    send: `POST /a HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'Transfer-Encoding before Content-Length',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'two equal Content-Length lines',
    send: `POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'conflicting Content-Length lines',
    send: `POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 40\r\n\r\nabc${SMUGGLED}`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a Content-Length list',
    send: `POST /a HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a coding before chunked',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'chunked not the last coding',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'two Transfer-Encoding lines',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'Transfer-Encoding in HTTP/1.0',
    send: `POST /a HTTP/1.0\r\n${H}Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'obsolete line folding',
    send: `GET /a HTTP/1.1\r\n${H}X-Folded: one\r\n two\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'whitespace before a colon',
    send: `POST /a HTTP/1.1\r\n${H}Content-Length : 3\r\n\r\nabc`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a bare LF in the head',
    send: `GET /a HTTP/1.1\r\n${H}X-A: 1\nX-B: 2\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'bare LFs in chunked framing',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a chunk size with junk',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a negative chunk size',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a chunk size past 64 bits',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1${'0'.repeat(16)}\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'a chunk longer than its size',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'an oversized chunk extension',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;${'x'.repeat(20_000)}\r\nabc\r\n0\r\n\r\n`,
    answers: [413],
    forwarded: [],
  },
  {
    name: 'a control character in a chunk extension',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a=\x01\r\nabc\r\n0\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'two Host lines',
    send: `GET /a HTTP/1.1\r\n${H}Host: other.test\r\n\r\n`,
    answers: [400],
    forwarded: [],
  },
  {
    name: 'chunk extensions and trailers, which are dropped',
    send: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n`,
    answers: [200],
    forwarded: [post('/a', 'abcde')],
  },
  {
    name: 'pipelined requests whose bodies look like requests',
    send:
      `GET /1 HTTP/1.1\r\n${H}\r\n` +
      `POST /2 HTTP/1.1\r\n${H}Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}` +
      `POST /3 HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${(5 + SMUGGLED.length).toString(16)}\r\n0\r\n\r\n${SMUGGLED}\r\n0\r\n\r\n` +
      `HEAD /4 HTTP/1.1\r\n${H}\r\n` +
      `GET /5 HTTP/1.1\r\n${H}\r\n`,
    methods: ['GET', 'POST', 'POST', 'HEAD', 'GET'],
    answers: [200, 200, 200, 200, 200],
    forwarded: [
      get('/1'),
      post('/2', SMUGGLED),
      post('/3', `0\r\n\r\n${SMUGGLED}`),
      { method: 'HEAD', url: '/4', body: '' },
      get('/5'),
    ],
  },
  {
    name: 'a refused request in a pipeline ends the connection',
    send:
      `GET /1 HTTP/1.1\r\n${H}\r\n` +
      `POST /2 HTTP/1.1\r\n${H}Connection: content-length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}` +
      `GET /3 HTTP/1.1\r\n${H}\r\n`,
    answers: [200, 400],
    forwarded: [get('/1')],
  },
  {
    name: 'a head and body split across many small writes',
    send: [
      'PO',
      'ST /split HT',
      'TP/1.1\r',
      `\n${H}Transfer-Encod`,
      'ing: chunked\r\n\r',
      '\n2\r\nab\r',
      '\n0\r\n',
      '\r\n',
    ],
    answers: [200],
    forwarded: [post('/split', 'ab')],
  },
  {
    name: 'Expect: 100-continue',
    send: [`POST /e HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n`, 'ok'],
    answers: [200],
    interim: [100],
    forwarded: [post('/e', 'ok')],
  },
];

/** Backend answers the router must pass on without mixing up what follows. */
const RESPONSES: Record<string, { raw: string; close?: boolean }> = {
  '/head-length': { raw: 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n' },
  '/no-content': { raw: 'HTTP/1.1 204 No Content\r\n\r\n' },
  '/not-modified': { raw: 'HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\n\r\n' },
  '/until-close': { raw: 'HTTP/1.1 200 OK\r\n\r\nuntil the close', close: true },
  '/early-hints': {
    raw: 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal',
  },
  '/processing': {
    raw: 'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal',
  },
  '/continue': {
    raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal',
  },
  '/trailers': {
    raw: 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\nx-checksum: 1\r\n\r\n',
  },
  '/extra-bytes': {
    raw: 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged',
  },
  '/both-lengths': {
    raw: 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  },
  '/plain': { raw: 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nplain' },
};

describe('the router process against smuggling and desync', () => {
  let backend: RecordingBackend;
  let scripted: Awaited<ReturnType<typeof scriptedBackend>>;
  let router: StandaloneRouter;
  let port: number;

  beforeAll(async () => {
    buildRouter();
    backend = await recordingBackend();
    scripted = await scriptedBackend(RESPONSES);
    router = await startRouterProcess();
    port = router.router.port;
    await router.client.setRoutes({
      versions: [
        { version: 'stable', weight: 100, backends: [backend.address] },
        { version: 'canary', weight: 0, backends: [scripted.address] },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await router.stop();
    await backend.close();
    await scripted.close();
  });

  /** Another client, on a connection of its own, must get its own answer. */
  async function nextClientGetsItsOwn(tag: string): Promise<void> {
    const url = `/next-client-${tag}`;
    const next = await exchangeRaw(port, [`GET ${url} HTTP/1.1\r\n${H}\r\n`], { expected: 1 });
    expect(next.answers.map((a) => a.status)).toEqual([200]);
    expect(JSON.parse(next.answers[0]!.body)).toEqual(get(url));
  }

  it.each(REQUESTS.map((c) => [c.name, c] as const))('%s', async (_name, wire) => {
    backend.seen.length = 0;
    const exchange: WireExchange = await exchangeRaw(
      port,
      typeof wire.send === 'string' ? [wire.send] : wire.send,
      { expected: wire.answers.length, ...(wire.methods ? { methods: wire.methods } : {}) },
    );
    const context = JSON.stringify({
      answers: exchange.answers,
      received: backend.bytes().slice(-2000),
    });
    expect(
      exchange.answers.map((a) => a.status),
      context,
    ).toEqual(wire.answers);
    expect(exchange.interim, context).toEqual(wire.interim ?? []);
    // Each answer that came from the backend is the answer to that very request.
    exchange.answers.forEach((answer, i) => {
      if (answer.status !== 200 || wire.methods?.[i] === 'HEAD') return;
      expect(JSON.parse(answer.body), context).toEqual(wire.forwarded[i]);
    });
    if ((wire.answers.at(-1) ?? 0) >= 400) {
      expect(exchange.answers.at(-1)!.headers['connection']).toBe('close');
    }
    const tag = wire.name.replace(/\W+/g, '-');
    await nextClientGetsItsOwn(tag);
    // Pipelined requests go to the backend side by side: their order there is free.
    const byUrl = (a: SeenRequest, b: SeenRequest) => a.url.localeCompare(b.url);
    expect([...backend.seen].sort(byUrl), context).toEqual(
      [...wire.forwarded, get(`/next-client-${tag}`)].sort(byUrl),
    );
  });

  it('refuses with the reason, as a JSON error', async () => {
    const exchange = await exchangeRaw(
      port,
      [`POST /a HTTP/1.1\r\n${H}Connection: content-length\r\nContent-Length: 2\r\n\r\nok`],
      { expected: 1 },
    );
    expect(JSON.parse(exchange.answers[0]!.body)).toEqual({
      error: {
        code: 'CD_BAD_REQUEST',
        message: 'The request is malformed.',
        details: { reason: 'Connection names content-length' },
      },
    });
  });

  it('passes on backend answers whose framing is unusual, each to its own client', async () => {
    const canary = 'x-canary: always\r\n';
    const ask = (method: string, path: string) => `${method} ${path} HTTP/1.1\r\n${H}${canary}\r\n`;
    // Pipelined on one connection: a HEAD answer with a length, 204 and 304 carry no body.
    const bodyless = await exchangeRaw(
      port,
      [
        ask('HEAD', '/head-length') +
          ask('GET', '/no-content') +
          ask('GET', '/not-modified') +
          ask('GET', '/plain'),
      ],
      { expected: 4, methods: ['HEAD', 'GET', 'GET', 'GET'] },
    );
    expect(bodyless.answers.map((a) => [a.status, a.body])).toEqual([
      [200, ''],
      [204, ''],
      [304, ''],
      [200, 'plain'],
    ]);
    expect(bodyless.answers[0]!.headers['content-length']).toBe('5');

    const one = async (path: string) =>
      (await exchangeRaw(port, [ask('GET', path)], { expected: 1 })).answers.map((a) => [
        a.status,
        a.body,
      ]);
    expect(await one('/until-close')).toEqual([[200, 'until the close']]);
    expect(await one('/early-hints')).toEqual([[200, 'final']]);
    expect(await one('/continue')).toEqual([[200, 'final']]);
    // 1xx answers are passed on (RFC 9110 §15.2), on both paths; the 100 the router answered
    // itself, and anything to an HTTP/1.0 client, are not.
    const interim = async (raw: string) => {
      const exchange = await exchangeRaw(port, [raw], { expected: 1 });
      return [exchange.interim, exchange.answers.map((a) => a.body)];
    };
    const early = (extra: string, version = '1.1') =>
      `GET /early-hints HTTP/${version}\r\n${H}${canary}${extra}\r\n`;
    expect(await interim(early(''))).toEqual([[103], ['final']]);
    expect(await interim(early('Connection: keep-alive, x-hop\r\n'))).toEqual([[103], ['final']]);
    expect(await interim(early('', '1.0'))).toEqual([[], ['final']]);
    expect(await interim(ask('GET', '/processing'))).toEqual([[102], ['final']]);
    expect(await interim(ask('GET', '/continue'))).toEqual([[], ['final']]);
    expect(await one('/trailers')).toEqual([[200, 'body']]);
    // Bytes after a complete answer are never taken for the next client's answer.
    expect(await one('/extra-bytes')).toEqual([[200, 'ok']]);
    for (let i = 0; i < 3; i++) expect(await one('/plain')).toEqual([[200, 'plain']]);
    expect((await one('/both-lengths'))[0]![0]).toBe(502);
    expect(await one('/plain')).toEqual([[200, 'plain']]);
  });
});
