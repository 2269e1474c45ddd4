import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouter, startRouterTo, type StandaloneRouter } from './test-support/spawn.js';
import {
  echoSeen,
  exchangeRaw,
  recordingBackend,
  type RecordingBackend,
  type SeenRequest,
  type WireAnswer,
} from './test-support/wire.js';

/**
 * A differential check against Node's own HTTP parser (llhttp): seeded random
 * requests (header casing, framing, chunk and write splits, pipelines, and
 * malformed variants) go both straight to a Node HTTP server and through the
 * router to one. Both must accept or refuse alike, and the backend behind the
 * router must read exactly the messages, with the same bodies, that Node read.
 */

const CASES = 400;
const SEED = 0x5eed_0001;

/** mulberry32: small, fast and good enough to pick test inputs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const between = (rng: Rng, low: number, high: number) => low + Math.floor(rng() * (high - low + 1));

/** The same name in a random mix of upper and lower case. */
function casing(rng: Rng, name: string): string {
  const style = rng();
  if (style < 0.4) return name;
  if (style < 0.6) return name.toLowerCase();
  if (style < 0.7) return name.toUpperCase();
  let mixed = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charAt(i);
    mixed += rng() < 0.5 ? c.toUpperCase() : c.toLowerCase();
  }
  return mixed;
}

const BODY_PIECES = [
  'a',
  'xyz',
  '\r\n',
  '0\r\n\r\n',
  'GET /x HTTP/1.1\r\nHost: y\r\n\r\n',
  ';',
  ' ',
];

function body(rng: Rng): string {
  let text = '';
  const parts = between(rng, 1, 6);
  for (let i = 0; i < parts; i++) text += pick(rng, BODY_PIECES);
  return text;
}

/** Chunked framing of `text`, split at random, with optional extensions and trailers. */
function chunked(rng: Rng, text: string): string {
  let out = '';
  let at = 0;
  while (at < text.length) {
    const size = Math.min(text.length - at, between(rng, 1, 12));
    const extension = rng() < 0.15 ? `;${pick(rng, ['a', 'a=b', 'a="q"', 'n=1;m'])}` : '';
    const hex = size.toString(16);
    out += `${rng() < 0.3 ? hex.toUpperCase() : hex}${extension}\r\n${text.slice(at, at + size)}\r\n`;
    at += size;
  }
  const trailers = rng() < 0.2 ? `${casing(rng, 'X-Trailer')}: ${between(rng, 0, 9)}\r\n` : '';
  return `${out}0\r\n${trailers}\r\n`;
}

/**
 * How a request is spoiled, if it is. `stricter` ones are accepted by Node
 * but refused by the router on purpose (they would change the framing or the
 * address of what it forwards), so for those the router must answer 400.
 */
const MUTATIONS = [
  { name: 'obs-fold', stricter: false },
  { name: 'space-before-colon', stricter: false },
  { name: 'bare-lf', stricter: false },
  { name: 'cl-and-te', stricter: false },
  { name: 'two-lengths', stricter: false },
  { name: 'bad-chunk-size', stricter: false },
  { name: 'chunk-extension-control', stricter: false },
  { name: 'nul-in-value', stricter: false },
  { name: 'coding-before-chunked', stricter: true },
  { name: 'two-hosts', stricter: true },
  { name: 'connection-names-framing', stricter: true },
  { name: 'http10-chunked', stricter: true },
] as const;
type Mutation = (typeof MUTATIONS)[number];

interface Generated {
  pieces: string[];
  methods: string[];
  /** The first request is spoiled this way. */
  mutation: Mutation | undefined;
}

function request(
  rng: Rng,
  url: string,
  mutation: Mutation | undefined,
): { text: string; method: string } {
  const method = pick(rng, ['GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);
  const framing =
    mutation?.name === 'bad-chunk-size' ||
    mutation?.name === 'chunk-extension-control' ||
    mutation?.name === 'coding-before-chunked' ||
    mutation?.name === 'http10-chunked' ||
    mutation?.name === 'cl-and-te'
      ? 'chunked'
      : method === 'GET' || method === 'HEAD'
        ? pick(rng, ['none', 'none', 'none', 'length'])
        : pick(rng, ['none', 'length', 'chunked', 'chunked']);
  const headers: [string, string][] = [[casing(rng, 'Host'), 'app.test']];
  if (rng() < 0.5) headers.push([casing(rng, 'Accept'), '*/*']);
  if (rng() < 0.3) headers.push([casing(rng, 'X-Canary'), pick(rng, ['never', 'maybe'])]);
  if (rng() < 0.2) headers.push([casing(rng, 'Connection'), pick(rng, ['keep-alive', 'x-drop'])]);
  if (rng() < 0.2) headers.push(['X-Drop', 'hop']);
  let payload = '';
  if (framing === 'length') {
    payload = body(rng);
    headers.push([casing(rng, 'Content-Length'), String(payload.length)]);
  } else if (framing === 'chunked') {
    payload = chunked(rng, body(rng));
    headers.push([casing(rng, 'Transfer-Encoding'), pick(rng, ['chunked', 'Chunked', 'CHUNKED'])]);
  }
  let version = 'HTTP/1.1';
  switch (mutation?.name) {
    case 'obs-fold':
      headers.push(['X-Folded', 'one\r\n two']);
      break;
    case 'space-before-colon':
      headers.push(['X-Spaced ', 'a']);
      break;
    case 'cl-and-te':
      headers.push(['Content-Length', String(payload.length)]);
      break;
    case 'two-lengths':
      headers.push(['Content-Length', '1'], ['Content-Length', '2']);
      break;
    case 'bad-chunk-size':
      payload = `${pick(rng, ['z', '-1', '1 1', '0x1', ''])}\r\na\r\n0\r\n\r\n`;
      break;
    case 'chunk-extension-control':
      payload = `1;a=\x7f\r\na\r\n0\r\n\r\n`;
      break;
    case 'nul-in-value':
      headers.push(['X-Nul', 'a\x00b']);
      break;
    case 'coding-before-chunked':
      headers.splice(-1, 1, [casing(rng, 'Transfer-Encoding'), 'gzip, chunked']);
      break;
    case 'two-hosts':
      headers.push(['Host', 'other.test']);
      break;
    case 'connection-names-framing':
      headers.push([
        casing(rng, 'Connection'),
        pick(rng, ['content-length', 'transfer-encoding', 'host', 'keep-alive, Host']),
      ]);
      break;
    case 'http10-chunked':
      version = 'HTTP/1.0';
      headers.push(['Connection', 'keep-alive']);
      break;
    default:
      break;
  }
  // Shuffle the header order.
  for (let i = headers.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [headers[i], headers[j]] = [headers[j]!, headers[i]!];
  }
  let head = `${method} ${url} ${version}\r\n`;
  for (const [name, value] of headers) head += `${name}:${rng() < 0.8 ? ' ' : ''}${value}\r\n`;
  if (mutation?.name === 'bare-lf') head = head.replace('\r\n', '\n');
  return { text: `${head}\r\n${payload}`, method };
}

function generate(rng: Rng, index: number): Generated {
  const mutation = rng() < 0.35 ? pick(rng, MUTATIONS) : undefined;
  const count = between(rng, 1, 3);
  let text = '';
  const methods: string[] = [];
  for (let k = 0; k < count; k++) {
    // Only the first request may be spoiled: what a server does with requests
    // already read when a later one turns out bad depends on timing, in Node too.
    const made = request(rng, `/d${index}/${k}`, k === 0 ? mutation : undefined);
    text += made.text;
    methods.push(made.method);
  }
  const pieces: string[] = [];
  let at = 0;
  while (at < text.length) {
    const size = rng() < 0.5 ? text.length - at : between(rng, 1, 40);
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return { pieces, methods, mutation };
}

/** What a client made of each answer: the request the server echoed, or a refusal. */
function verdicts(answers: WireAnswer[], methods: string[]): string[] {
  return answers.map((answer, i) => {
    if (answer.status === 200) return methods[i] === 'HEAD' ? 'HEAD answered' : answer.body;
    return `refused ${answer.status}`;
  });
}

describe('the router against Node’s HTTP parser', () => {
  let reference: http.Server;
  let referencePort: number;
  const referenceSeen: SeenRequest[] = [];
  let backend: RecordingBackend;
  let router: StandaloneRouter;

  beforeAll(async () => {
    buildRouter();
    reference = http.createServer(echoSeen(referenceSeen));
    await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
    referencePort = (reference.address() as AddressInfo).port;
    backend = await recordingBackend();
    router = await startRouterTo(backend.address);
  }, 120_000);

  afterAll(async () => {
    await router.stop();
    await backend.close();
    reference.closeAllConnections();
    await new Promise((resolve) => reference.close(resolve));
  });

  it(`agrees on ${CASES} seeded requests`, async () => {
    const rng = random(SEED);
    const tally = { accepted: 0, refusedByBoth: 0, refusedByRouterOnly: 0 };
    for (let index = 0; index < CASES; index++) {
      const generated = generate(rng, index);
      const { pieces, methods, mutation } = generated;
      const options = { expected: methods.length, methods };
      const [direct, routed] = await Promise.all([
        exchangeRaw(referencePort, pieces, options),
        exchangeRaw(router.router.port, pieces, options),
      ]);
      const prefix = `/d${index}/`;
      const mine = (seen: SeenRequest[]) =>
        seen.filter((r) => r.url.startsWith(prefix)).sort((a, b) => a.url.localeCompare(b.url));
      const context = JSON.stringify({ index, mutation, pieces, direct, routed });
      const expected = verdicts(direct.answers, methods);
      const got = verdicts(routed.answers, methods);
      if (mutation?.stricter === true && expected[0]?.startsWith('refused') !== true) {
        // Node took it; the router must refuse it, and forward nothing of the connection.
        expect(got, context).toEqual(['refused 400']);
        expect(mine(backend.seen), context).toEqual([]);
        tally.refusedByRouterOnly++;
        continue;
      }
      expect(got, context).toEqual(expected);
      expect(mine(backend.seen), context).toEqual(mine(referenceSeen));
      if (expected.some((v) => v.startsWith('refused'))) tally.refusedByBoth++;
      else tally.accepted++;
    }
    // The seed gives a fair mix of all three outcomes.
    expect(tally.accepted).toBeGreaterThan(CASES / 2);
    expect(tally.refusedByBoth).toBeGreaterThan(CASES / 20);
    expect(tally.refusedByRouterOnly).toBeGreaterThan(CASES / 40);
  }, 120_000);
});
