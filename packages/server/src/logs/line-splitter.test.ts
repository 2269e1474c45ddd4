import { describe, expect, it } from 'vitest';
import { LineSplitter, TRUNCATED_MARK } from './line-splitter.js';
import { runLines } from './runs.js';

/** Feeds `chunks` through a splitter and returns every line it handed out, flushed at the end. */
function split(chunks: (string | Buffer)[], maxLineBytes?: number): string[] {
  const splitter = new LineSplitter(maxLineBytes);
  const lines: string[] = [];
  for (const chunk of chunks) {
    const block = splitter.consume(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (block.count > 0) lines.push(...runLines(block));
  }
  const last = splitter.flush();
  if (last.count > 0) lines.push(last.text);
  return lines;
}

describe('LineSplitter', () => {
  it('hands out whole lines and keeps a partial one until its newline arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.consume(Buffer.from('hel')).count).toBe(0);
    expect(splitter.pendingBytes).toBe(3);
    expect(splitter.consume(Buffer.from('lo\nwor'))).toEqual({ text: 'hello', count: 1 });
    expect(splitter.consume(Buffer.from('ld\n'))).toEqual({ text: 'world', count: 1 });
    expect(splitter.flush().count).toBe(0);
  });

  it('gives a burst of short ASCII lines as one text with their count', () => {
    const splitter = new LineSplitter();
    expect(splitter.consume(Buffer.from('a\nb\nc\n'))).toEqual({ text: 'a\nb\nc', count: 3 });
  });

  it('flushes a last line without newline', () => {
    expect(split(['done\nexit code 0'])).toEqual(['done', 'exit code 0']);
  });

  it('cuts a 100 KB line at 64 KiB, marks it, and carries on with the next line', () => {
    const pieces = Array.from({ length: 10 }, () => 'y'.repeat(10_000));
    const lines = split([`${'é'.repeat(50_000)}\nnext\n`, ...pieces, '\nafter\n']);
    expect(lines).toHaveLength(4);
    const [long, next, cut, after] = lines;
    expect(long?.endsWith(TRUNCATED_MARK)).toBe(true);
    expect(Buffer.byteLength(long ?? '')).toBeLessThanOrEqual(
      64 * 1024 + Buffer.byteLength(TRUNCATED_MARK),
    );
    // Not cut through a two-byte character.
    expect(long?.slice(0, -TRUNCATED_MARK.length)).toMatch(/^é+$/);
    expect(next).toBe('next');
    expect(cut).toBe('y'.repeat(64 * 1024) + TRUNCATED_MARK);
    expect(after).toBe('after');
  });

  it('splits the same lines whatever the chunks: CRLF, empty lines, UTF-8, long lines', () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const mixed = ['crlf\r', '', 'ünïcödé ✓ 🎉', 'x'.repeat(150), 'plain', '\r'];
    const written = [...ascii, ...mixed, ...ascii, 'y'.repeat(120), 'end'];
    const bytes = Buffer.from(`${written.join('\n')}\n`);
    const cut = (line: string): string =>
      line.length > 100 ? line.slice(0, 100) + TRUNCATED_MARK : line.replace(/\r$/, '');
    // Chunks of every size straddle lines, and characters.
    for (const size of [1, 7, 4096, 65536, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(split(chunks, 100), `chunks of ${size}`).toEqual(written.map(cut));
    }
  });

  it('forgets a partial line on reset', () => {
    const splitter = new LineSplitter();
    splitter.consume(Buffer.from('half a li'));
    splitter.reset();
    expect(splitter.consume(Buffer.from('new\n'))).toEqual({ text: 'new', count: 1 });
  });
});
