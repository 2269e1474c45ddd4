/**
 * Request heads the fast path reads itself: a strict subset of what Node's
 * HTTP parser accepts, and for anything outside it the verdict "hand over".
 */

/** Heads larger than this go to Node (which allows up to 16 KiB). */
export const MAX_FAST_HEAD = 8 * 1024;
const MAX_FAST_HEADERS = 100;
const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const REQUEST_LINE = /^(GET|HEAD) (\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// CR and LF only as line ends; no other control characters.
const INVALID = /[^\t\r\n\x20-\x7e\x80-\xff]|\r(?!\n)|[^\r]\n|^\n/;

export const INCOMPLETE = 'incomplete';
export const HANDOFF = 'handoff';

export interface FastRequest {
  method: 'GET' | 'HEAD';
  url: string;
  /** `[name, value, …]`, like Node's `rawHeaders`. */
  raw: string[];
  /** The client asked for the connection to close after this answer. */
  close: boolean;
  /** Offset just past the head's blank line. */
  next: number;
}

function trimmed(text: string, from: number, to: number): string {
  let start = from;
  let end = to;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(start, end);
}

/**
 * Reads one request head from `buffer` at `from`: the request, `INCOMPLETE`
 * when more bytes are needed, or `HANDOFF` for anything but the plainest
 * bodyless GET/HEAD (a body, `Expect`, `Upgrade`, an odd `Connection`, a
 * missing or repeated `Host`, unusual characters, a large head…).
 */
export function parseFastRequest(
  buffer: Buffer,
  from: number,
): FastRequest | typeof INCOMPLETE | typeof HANDOFF {
  const end = buffer.indexOf(CRLF_CRLF, from);
  if (end === -1) return buffer.length - from > MAX_FAST_HEAD ? HANDOFF : INCOMPLETE;
  if (end - from > MAX_FAST_HEAD) return HANDOFF;
  const text = buffer.toString('latin1', from, end);
  if (INVALID.test(text)) return HANDOFF;
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  const line = REQUEST_LINE.exec(text.slice(0, lineEnd));
  if (line === null) return HANDOFF;
  const raw: string[] = [];
  let hosts = 0;
  let close = false;
  let at = lineEnd + 2;
  while (at < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next === -1) next = text.length;
    const colon = text.indexOf(':', at);
    if (colon === -1 || colon > next) return HANDOFF;
    const name = text.slice(at, colon);
    if (!TOKEN.test(name)) return HANDOFF;
    const value = trimmed(text, colon + 1, next);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') hosts++;
        break;
      case 6:
        if (name.toLowerCase() === 'expect') return HANDOFF;
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') return HANDOFF;
        break;
      case 10:
        if (name.toLowerCase() === 'connection') {
          const lower = value.toLowerCase();
          if (lower === 'close') close = true;
          else if (lower !== 'keep-alive') return HANDOFF;
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') return HANDOFF;
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') return HANDOFF;
        break;
    }
    raw.push(name, value);
    if (raw.length > 2 * MAX_FAST_HEADERS) return HANDOFF;
    at = next + 2;
  }
  if (hosts !== 1) return HANDOFF;
  return {
    method: line[1] as 'GET' | 'HEAD',
    url: line[2] ?? '/',
    raw,
    close,
    next: end + 4,
  };
}
