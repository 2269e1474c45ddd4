import { describe, expect, it } from 'vitest';
import {
  Output,
  formatBytes,
  formatDuration,
  formatTable,
  useColour,
  visibleWidth,
} from './output.js';

describe('formatTable', () => {
  it('aligns columns and leaves no trailing blanks', () => {
    expect(
      formatTable([
        ['store', 'sqlite', 'ok'],
        ['uptime', '3s'],
      ]),
    ).toEqual(['store   sqlite  ok', 'uptime  3s']);
  });

  it('indents and ignores colour codes when measuring', () => {
    const red = '\u001b[31m✗\u001b[0m';
    expect(
      formatTable(
        [
          [red, 'a'],
          ['ok', 'b'],
        ],
        { indent: 2 },
      ),
    ).toEqual([`  ${red}   a`, '  ok  b']);
  });
});

describe('visibleWidth', () => {
  it('counts characters, not bytes or escape codes', () => {
    expect(visibleWidth('✓ ok')).toBe(4);
    expect(visibleWidth('\u001b[1mbold\u001b[0m')).toBe(4);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [42.7, '42s'],
    [125, '2m 5s'],
    [3600, '1h'],
    [3 * 86_400 + 4 * 3600 + 59, '3d 4h'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10.0 GB');
  });
});

describe('colour', () => {
  it('is used only on a terminal without NO_COLOR', () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(true, { NO_COLOR: '' })).toBe(true);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(undefined, {})).toBe(false);
  });

  it('leaves text plain when off, and keeps stdout clean in JSON mode', () => {
    let stdout = '';
    const streams = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
    };
    const out = new Output(streams, { json: true, colour: false });
    expect(out.mark('fail')).toBe('✗');
    out.line('decoration');
    out.data({ ok: true });
    expect(JSON.parse(stdout)).toEqual({ ok: true });
  });
});
