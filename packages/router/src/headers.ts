/**
 * Header rewriting for the data plane. Both directions work on raw
 * `[name, value, …]` lists in one pass; no header object is ever built for
 * a proxied request.
 */

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
// Most names are ruled out by their length alone, without lower-casing them.
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length));

function isHopByHop(name: string): boolean {
  return HOP_LENGTHS.has(name.length) && HOP_BY_HOP.has(name.toLowerCase());
}

/** Extra hop-by-hop names listed in `Connection` headers, if any, added to `into`. */
function connectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  let tokens = into;
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '' || name === 'keep-alive' || name === 'close') continue;
    (tokens ??= new Set()).add(name);
  }
  return tokens;
}

/**
 * Fields that frame or address the message. RFC 9110 §7.6.1 lets `Connection`
 * name any field as hop-by-hop, but dropping one of these would change where
 * the backend thinks the body ends, or whom it is for: such a request is
 * refused rather than forwarded in a shape the client did not send.
 */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host']);

function stripNamed(headers: string[], names: Set<string>): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (names.has((headers[i] ?? '').toLowerCase())) headers.splice(i, 2);
  }
}

/** What routing needs from a request, found while its headers are copied. */
export interface RequestFacts {
  canary: string | undefined;
  cookie: string | undefined;
  /** The request has a body (a non-zero `Content-Length`, or chunked). */
  hasBody: boolean;
  /** The body came chunked, so it goes on chunked. */
  chunked: boolean;
  /** The client sent no `Host` (HTTP/1.0): the head still needs one. */
  hostless: boolean;
  /** Why the request must be refused with 400 rather than forwarded, if it must. */
  refusal: string | undefined;
}

/**
 * The backend request's head, from the request line up to (not including)
 * the blank line: the client's headers minus hop-by-hop ones and `Expect`
 * (the server has already answered `100 Continue`), plus `x-forwarded-*`.
 * Fills `facts` on the way.
 */
export function requestHead(
  method: string,
  url: string,
  raw: readonly string[],
  remoteAddress: string,
  facts: RequestFacts,
): string {
  return buildHead(method, url, raw, remoteAddress, facts, undefined);
}

function buildHead(
  method: string,
  url: string,
  raw: readonly string[],
  remoteAddress: string,
  facts: RequestFacts,
  dropped: Set<string> | undefined,
): string {
  let head = `${method} ${url} HTTP/1.1\r\n`;
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let host: string | undefined;
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const length = name.length;
    if (length === 4 && name.toLowerCase() === 'host') {
      // RFC 9112 §3.2: two Host lines make a request no server can answer safely.
      if (host !== undefined) facts.refusal = 'more than one Host header';
      host = value;
    } else if (length === 15 && name.toLowerCase() === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    } else if (length === 17) {
      const lower = name.toLowerCase();
      if (lower === 'x-forwarded-proto') {
        forwardedProto = value;
        continue;
      }
      if (lower === 'transfer-encoding') {
        // Node's parser only lets a request through when chunked is the last
        // coding; any coding before it would be lost in the re-chunked body.
        if (value.trim().toLowerCase() !== 'chunked') {
          facts.refusal = 'a transfer coding other than chunked';
        }
        facts.hasBody = true;
        facts.chunked = true;
        continue;
      }
    } else if (length === 8 && name.toLowerCase() === 'x-canary') facts.canary = value;
    else if (length === 6) {
      const lower = name.toLowerCase();
      if (lower === 'cookie') {
        facts.cookie = facts.cookie === undefined ? value : `${facts.cookie}; ${value}`;
      } else if (lower === 'expect') continue;
    } else if (length === 14 && name.toLowerCase() === 'content-length') {
      if (value !== '0') facts.hasBody = true;
    } else if (length === 16 && name.toLowerCase() === 'x-forwarded-host') continue;
    if (isHopByHop(name)) {
      if (length === 10 && name.toLowerCase() === 'connection') {
        extra = connectionTokens(value, extra);
      }
      continue;
    }
    if (dropped?.has(name.toLowerCase()) === true) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (extra !== undefined && dropped === undefined) {
    for (const name of extra) {
      if (FRAMING.has(name)) facts.refusal = `Connection names ${name}`;
    }
    // Rare: `Connection` names more headers to drop, maybe ones already copied.
    facts.cookie = undefined;
    facts.canary = undefined;
    return buildHead(method, url, raw, remoteAddress, facts, extra);
  }
  head += `x-forwarded-for: ${forwardedFor === undefined ? remoteAddress : `${forwardedFor}, ${remoteAddress}`}\r\nx-forwarded-proto: ${forwardedProto ?? 'http'}\r\n`;
  if (facts.chunked) head += 'transfer-encoding: chunked\r\n';
  if (host === undefined) facts.hostless = true;
  else head += `x-forwarded-host: ${host}\r\n`;
  return head;
}

/**
 * Drops hop-by-hop headers from a backend's `[name, value, …]` list in
 * place, including any its `Connection` header names.
 */
export function stripHopByHop(headers: string[]): string[] {
  let extra: Set<string> | undefined;
  let kept = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] ?? '';
    const value = headers[i + 1] ?? '';
    if (isHopByHop(name)) {
      if (name.length === 10 && name.toLowerCase() === 'connection') {
        extra = connectionTokens(value, extra);
      }
      continue;
    }
    headers[kept++] = name;
    headers[kept++] = value;
  }
  headers.length = kept;
  if (extra !== undefined) stripNamed(headers, extra);
  return headers;
}
