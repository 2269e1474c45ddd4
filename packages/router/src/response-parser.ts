/**
 * An incremental, strict HTTP/1.x response parser for the router's upstream
 * connections. It only accepts what a well-behaved backend sends: CRLF line
 * ends, token header names, no obsolete line folding, one unambiguous body
 * length. Anything else is an error, and the connection is never reused,
 * so a confused backend cannot make one client's response leak into the
 * next one's.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// CR and LF only as line ends; no other control characters.
const INVALID_HEAD = /[^\t\r\n\x20-\x7e\x80-\xff]|\r(?!\n)|[^\r]\n|^\n/;
const DIGITS = /^\d{1,15}$/;
const STATUS_LINE = /^HTTP\/1\.[01] [1-5]\d\d(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;
const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const CR = 13;
const LF = 10;

/** Response heads (with all their headers) larger than this are refused. */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;

const Phase = {
  head: 0,
  length: 1,
  chunkSize: 2,
  chunkData: 3,
  chunkEnd: 4,
  trailers: 5,
  untilClose: 6,
  done: 7,
  failed: 8,
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** What the parser reports to; one response at a time. */
export interface ResponseSink {
  /** An interim (1xx) answer, before the final one; 101 never comes here. */
  onInterim?(status: number, headers: string[]): void;
  /** The final (non-1xx) status and headers, hop-by-hop ones included. */
  onResponseHead(status: number, headers: string[]): void;
  onResponseBody(chunk: Buffer): void;
  /** The response is complete; `last` is its final body chunk, when it came with the end. */
  onResponseEnd(last?: Buffer): void;
}

/** The backend sent something that is not a well-formed response. */
export class ResponseParseError extends Error {
  override readonly name = 'ResponseParseError';
}

/** Whether a lower-cased, comma-separated header value lists `token`. */
function hasToken(value: string, token: string): boolean {
  if (value === token) return true;
  for (const part of value.split(',')) {
    if (part.trim() === token) return true;
  }
  return false;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9;
}

/** `text[from, to)` without optional whitespace around it. */
function headerValue(text: string, from: number, to: number): string {
  let start = from;
  let end = to;
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

export class ResponseParser {
  private phase: Phase = Phase.done;
  private sink: ResponseSink | undefined = undefined;
  private headRequest = false;
  private upgrade = false;
  private pending: Buffer | undefined = undefined;
  private remaining = 0;
  private received = false;
  /** The response may be followed by another one on the same connection. */
  keepAlive = false;

  /**
   * Expects the response to a request that was just sent. With `upgrade`
   * (the request asked to switch protocols), a 101 answer is reported as a
   * head whose "body" is everything the backend sends after it.
   */
  expect(sink: ResponseSink, method: string, upgrade = false): void {
    this.sink = sink;
    this.upgrade = upgrade;
    this.headRequest = method === 'HEAD';
    this.phase = Phase.head;
    this.pending = undefined;
    this.received = false;
    this.keepAlive = false;
  }

  /** Whether the current response is complete. */
  get done(): boolean {
    return this.phase === Phase.done;
  }

  /** Whether any byte of the response has arrived. */
  get started(): boolean {
    return this.received;
  }

  /** The body runs until the connection closes, and now it has. */
  finishAtClose(): boolean {
    if (this.phase !== Phase.untilClose) return false;
    this.phase = Phase.done;
    this.sink?.onResponseEnd();
    return true;
  }

  /**
   * Consumes bytes from the connection. Throws `ResponseParseError` on a
   * malformed response, or on bytes that arrive when none are expected.
   */
  execute(input: Buffer): void {
    this.received = true;
    let data = input;
    if (this.pending !== undefined) {
      // Only a head or a chunk line is ever left over, and it is short.
      data = Buffer.concat([this.pending, input]);
      this.pending = undefined;
    }
    let at = 0;
    while (at < data.length) {
      switch (this.phase) {
        case Phase.head: {
          const end = data.indexOf(CRLF_CRLF, at);
          if (end === -1) {
            this.keep(data, at, MAX_HEAD_BYTES);
            return;
          }
          if (end - at > MAX_HEAD_BYTES) throw new ResponseParseError('head too large');
          this.head(data.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case Phase.length:
        case Phase.chunkData: {
          const take = Math.min(this.remaining, data.length - at);
          const chunk = at === 0 && take === data.length ? data : data.subarray(at, at + take);
          at += take;
          this.remaining -= take;
          const last = this.remaining === 0;
          if (last) {
            if (this.phase === Phase.length) this.phase = Phase.done;
            else {
              this.phase = Phase.chunkEnd;
              this.remaining = 2;
            }
          }
          // The usual small response: its whole body ends it, in one call.
          if (last && this.phase === Phase.done) this.sink?.onResponseEnd(chunk);
          else this.sink?.onResponseBody(chunk);
          break;
        }
        case Phase.chunkEnd: {
          if (data[at] !== (this.remaining === 2 ? CR : LF)) {
            throw new ResponseParseError('chunk not followed by CRLF');
          }
          at++;
          this.remaining--;
          if (this.remaining === 0) this.phase = Phase.chunkSize;
          break;
        }
        case Phase.chunkSize:
        case Phase.trailers: {
          const lf = data.indexOf(LF, at);
          if (lf === -1) {
            this.keep(data, at, MAX_CHUNK_LINE);
            return;
          }
          if (lf - at > MAX_CHUNK_LINE) throw new ResponseParseError('chunk line too long');
          if (lf === at || data[lf - 1] !== CR) throw new ResponseParseError('bare LF in chunking');
          this.chunkLine(data.toString('latin1', at, lf - 1));
          at = lf + 1;
          break;
        }
        case Phase.untilClose: {
          const chunk = at === 0 ? data : data.subarray(at);
          at = data.length;
          this.sink?.onResponseBody(chunk);
          break;
        }
        default:
          this.phase = Phase.failed;
          throw new ResponseParseError('bytes after the response');
      }
    }
  }

  /** Keeps an incomplete head or chunk line for the next read. */
  private keep(data: Buffer, at: number, limit: number): void {
    if (data.length - at > limit) throw new ResponseParseError('head or chunk line too long');
    this.pending = Buffer.from(data.subarray(at));
  }

  /** One line of chunked framing: a chunk size, or a trailer (dropped). */
  private chunkLine(line: string): void {
    if (this.phase === Phase.trailers) {
      // Trailers are not passed on: Node's response API cannot stream them through.
      if (line === '') this.finish();
      return;
    }
    const semicolon = line.indexOf(';');
    const size = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
    if (!HEX.test(size)) throw new ResponseParseError('bad chunk size');
    const length = Number.parseInt(size, 16);
    if (length === 0) this.phase = Phase.trailers;
    else {
      this.phase = Phase.chunkData;
      this.remaining = length;
    }
  }

  private head(text: string): void {
    // One scan rules out control characters (bare CR or LF included) everywhere.
    if (INVALID_HEAD.test(text)) throw new ResponseParseError('control character in head');
    let lineEnd = text.indexOf('\r\n');
    if (lineEnd === -1) lineEnd = text.length;
    const statusLine = text.slice(0, lineEnd);
    if (!STATUS_LINE.test(statusLine)) throw new ResponseParseError('bad status line');
    const status = Number(statusLine.slice(9, 12));
    const http11 = statusLine.charCodeAt(7) === 49;
    const headers: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = !http11;
    let at = lineEnd + 2;
    while (at < text.length) {
      let end = text.indexOf('\r\n', at);
      if (end === -1) end = text.length;
      const colon = text.indexOf(':', at);
      if (colon === -1 || colon > end) throw new ResponseParseError('header line without a colon');
      const name = text.slice(at, colon);
      if (!TOKEN.test(name)) throw new ResponseParseError('bad header name');
      const value = headerValue(text, colon + 1, end);
      const length = name.length;
      if (length === 14 && name.toLowerCase() === 'content-length') {
        if (!DIGITS.test(value)) throw new ResponseParseError('bad content-length');
        const parsed = Number(value);
        if (contentLength !== -1 && contentLength !== parsed) {
          throw new ResponseParseError('conflicting content-length');
        }
        contentLength = parsed;
      } else if (length === 17 && name.toLowerCase() === 'transfer-encoding') {
        transferEncoding = true;
        const codings = value.toLowerCase().split(',');
        chunked = codings[codings.length - 1]?.trim() === 'chunked';
      } else if (length === 10 && name.toLowerCase() === 'connection') {
        const lower = value.toLowerCase();
        if (lower === 'close' || (lower !== 'keep-alive' && hasToken(lower, 'close'))) close = true;
        else if (!http11 && hasToken(lower, 'keep-alive')) close = false;
      }
      headers.push(name, value);
      at = end + 2;
    }
    if (status === 101 && this.upgrade) {
      // The connection now carries another protocol, in both directions, until it closes.
      this.keepAlive = false;
      this.sink?.onResponseHead(status, headers);
      if (this.phase === Phase.head) this.phase = Phase.untilClose;
      return;
    }
    if (status < 200) {
      if (status === 101) throw new ResponseParseError('unrequested protocol switch');
      // An interim answer (100, 103): the real one follows.
      this.sink?.onInterim?.(status, headers);
      return;
    }
    if (transferEncoding && contentLength !== -1) {
      throw new ResponseParseError('both transfer-encoding and content-length');
    }
    this.keepAlive = !close;
    this.sink?.onResponseHead(status, headers);
    if (this.phase !== Phase.head) return;
    if (this.headRequest || status === 204 || status === 304) {
      this.finish();
    } else if (transferEncoding) {
      if (chunked) this.phase = Phase.chunkSize;
      else {
        this.keepAlive = false;
        this.phase = Phase.untilClose;
      }
    } else if (contentLength > 0) {
      this.phase = Phase.length;
      this.remaining = contentLength;
    } else if (contentLength === 0) {
      this.finish();
    } else {
      this.keepAlive = false;
      this.phase = Phase.untilClose;
    }
  }

  private finish(): void {
    this.phase = Phase.done;
    this.sink?.onResponseEnd();
  }

  /** Stops reporting to the current sink (its exchange is over). */
  detach(): void {
    this.sink = undefined;
    this.phase = Phase.failed;
  }
}
