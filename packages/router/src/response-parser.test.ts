import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ResponseParseError, ResponseParser } from './response-parser.js';

interface Seen {
  status: number;
  headers: string[];
  body: string;
  ended: boolean;
}

function sink(seen: Seen[]) {
  return {
    onResponseHead(status: number, headers: string[]) {
      seen.push({ status, headers, body: '', ended: false });
    },
    onResponseBody(chunk: Buffer) {
      seen[seen.length - 1]!.body += chunk.toString('latin1');
    },
    onResponseEnd(last?: Buffer) {
      const current = seen[seen.length - 1]!;
      if (last !== undefined) current.body += last.toString('latin1');
      current.ended = true;
    },
  };
}

/** Feeds `text` in pieces of `size` bytes; returns what the sink saw. */
function parse(text: string, options: { method?: string; size?: number } = {}) {
  const seen: Seen[] = [];
  const parser = new ResponseParser();
  parser.expect(sink(seen), options.method ?? 'GET');
  const bytes = Buffer.from(text, 'latin1');
  const size = options.size ?? bytes.length;
  for (let at = 0; at < bytes.length; at += size) parser.execute(bytes.subarray(at, at + size));
  return { seen, parser };
}

/** Every way of cutting `text` in two, and byte by byte. */
function everySplit(text: string, method = 'GET'): Seen[][] {
  const bytes = Buffer.from(text, 'latin1');
  const results: Seen[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const seen: Seen[] = [];
    const parser = new ResponseParser();
    parser.expect(sink(seen), method);
    if (cut > 0) parser.execute(bytes.subarray(0, cut));
    if (cut < bytes.length) parser.execute(bytes.subarray(cut));
    results.push(seen);
  }
  results.push(parse(text, { method, size: 1 }).seen);
  return results;
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n' +
  '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n';

describe('upstream response parser', () => {
  it('reads a content-length response, wherever the reads split it', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nstable';
    for (const seen of everySplit(text)) {
      expect(seen).toEqual([
        {
          status: 200,
          headers: ['Content-Type', 'text/plain', 'Content-Length', '6'],
          body: 'stable',
          ended: true,
        },
      ]);
    }
    expect(parse(text).parser.keepAlive).toBe(true);
  });

  it('decodes chunked bodies and drops trailers, wherever the reads split them', () => {
    for (const seen of everySplit(CHUNKED)) {
      expect(seen).toEqual([
        {
          status: 200,
          headers: ['Transfer-Encoding', 'chunked', 'X-A', '1'],
          body: 'hello, world',
          ended: true,
        },
      ]);
    }
  });

  it('reads to the close when no length is given, and then the connection is spent', () => {
    const { seen, parser } = parse('HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nsome body');
    expect(seen[0]).toMatchObject({ body: 'some body', ended: false });
    expect(parser.keepAlive).toBe(false);
    expect(parser.finishAtClose()).toBe(true);
    expect(seen[0]!.ended).toBe(true);
  });

  it('expects no body after HEAD, 204 and 304', () => {
    const head = parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', { method: 'HEAD' });
    expect(head.seen[0]).toMatchObject({ status: 200, body: '', ended: true });
    for (const status of [204, 304]) {
      expect(parse(`HTTP/1.1 ${status} X\r\nContent-Length: 3\r\n\r\n`).seen[0]).toMatchObject({
        status,
        ended: true,
      });
    }
  });

  it('skips interim 1xx answers and reports the final one', () => {
    const { seen } = parse(
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(seen).toEqual([
      { status: 200, headers: ['Content-Length', '2'], body: 'ok', ended: true },
    ]);
  });

  it('trims optional whitespace around values and honours Connection: close', () => {
    const { seen, parser } = parse(
      'HTTP/1.1 200 OK\r\nX-A:   spaced \t\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n',
    );
    expect(seen[0]!.headers).toEqual([
      'X-A',
      'spaced',
      'Connection',
      'Keep-Alive, Close',
      'Content-Length',
      '0',
    ]);
    expect(parser.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').parser.keepAlive).toBe(false);
    expect(
      parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').parser
        .keepAlive,
    ).toBe(true);
  });

  it.each([
    ['both lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n'],
    ['a signed length', 'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n'],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n'],
    ['a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n'],
    ['a bare CR in a value', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n'],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n'],
    ['a bad status line', 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n'],
    ['another protocol', 'HTTP/2 200\r\nContent-Length: 0\r\n\r\n'],
    ['a protocol switch', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n'],
    ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab'],
  ])('refuses %s', (_name, text) => {
    expect(() => parse(text)).toThrow(ResponseParseError);
  });

  it('refuses a head larger than the limit, even when it never ends', () => {
    const big = `HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(() => parse(big, { size: 4096 })).toThrow(ResponseParseError);
  });

  it('stops reporting once detached', () => {
    const seen: Seen[] = [];
    const parser = new ResponseParser();
    parser.expect(sink(seen), 'GET');
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab'));
    parser.detach();
    expect(() => {
      parser.execute(Buffer.from('cd'));
    }).toThrow(ResponseParseError);
    expect(seen[0]).toMatchObject({ body: 'ab', ended: false });
    expect(parser.started).toBe(true);
  });
});
