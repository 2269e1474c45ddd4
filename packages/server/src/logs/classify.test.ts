import { describe, expect, it } from 'vitest';
import { classifyLevel, classifyLines, type LevelPattern } from './classify.js';
import type { LogLevel } from './types.js';

describe('classifyLevel', () => {
  const table: [string, 'stdout' | 'stderr', LogLevel][] = [
    ['plain output', 'stdout', 'INFO'],
    ['plain complaint', 'stderr', 'ERROR'],
    ['{"level":30,"msg":"pino info"}', 'stderr', 'INFO'],
    ['{"level":20,"msg":"pino debug"}', 'stdout', 'DEBUG'],
    ['{"level":10,"msg":"pino trace"}', 'stdout', 'DEBUG'],
    ['{"level":40,"msg":"pino warn"}', 'stdout', 'WARNING'],
    ['{"level":50,"msg":"pino error"}', 'stdout', 'ERROR'],
    ['{"level":60,"msg":"pino fatal"}', 'stdout', 'ERROR'],
    ['{"severity":"Warning","message":"x"}', 'stdout', 'WARNING'],
    ['{"lvl":"CRITICAL","message":"x"}', 'stdout', 'ERROR'],
    ['{"level":"debug"}', 'stderr', 'DEBUG'],
    ['{"level":"fatal"}', 'stdout', 'ERROR'],
    ['{"level":"nonsense"}', 'stderr', 'ERROR'],
    ['{"level":3}', 'stdout', 'INFO'],
    ['{"msg":"no level"}', 'stderr', 'ERROR'],
    ['{not json [ERROR]', 'stdout', 'INFO'],
    ['time=12:00 level=warn msg="disk"', 'stdout', 'WARNING'],
    ['[ERROR] failed to connect', 'stdout', 'ERROR'],
    ['[warn] slow', 'stdout', 'WARNING'],
    ['ERROR: boom', 'stdout', 'ERROR'],
    ['error: boom', 'stdout', 'ERROR'],
    ['ERROR:root:python says no', 'stdout', 'ERROR'],
    ['WARNING:root:careful', 'stdout', 'WARNING'],
    ['WARN disk almost full', 'stdout', 'WARNING'],
    ['WARNING disk almost full', 'stdout', 'WARNING'],
    ['DEBUG cache miss', 'stderr', 'DEBUG'],
    ['INFO listening on 8080', 'stderr', 'INFO'],
    ['2024-05-01 12:00:00,123 ERROR worker died', 'stdout', 'ERROR'],
    ['2024-05-01T12:00:00Z [info] ready', 'stderr', 'INFO'],
    ['Error handling finished', 'stdout', 'INFO'],
    ['INFORMATION is not a tag', 'stderr', 'ERROR'],
    ['  [DEBUG] indented', 'stderr', 'DEBUG'],
  ];

  it.each(table)('%s (%s) → %s', (line, stream, level) => {
    expect(classifyLevel(line, stream)).toBe(level);
  });

  it('applies configured patterns after structured levels and before tags', () => {
    const patterns = [
      { level: 'WARNING' as const, regex: /deprecated/g },
      { level: 'DEBUG' as const, regex: /^\[ERROR\] expected/ },
    ];
    // A global regex keeps state between `test` calls; the same line must classify the same way twice.
    expect(classifyLevel('this API is deprecated', 'stdout', patterns)).toBe('WARNING');
    expect(classifyLevel('this API is deprecated', 'stdout', patterns)).toBe('WARNING');
    expect(classifyLevel('[ERROR] expected failure in test', 'stdout', patterns)).toBe('DEBUG');
    expect(classifyLevel('{"level":50,"msg":"deprecated"}', 'stdout', patterns)).toBe('ERROR');
  });
});

describe('classifyLines', () => {
  const samples = [
    'plain output',
    '',
    '   indented, no tag',
    '  [warn] indented tag',
    '\u00a0WARN after a non-breaking space',
    '12:00:00 ERROR stamped',
    '{"level":"debug","msg":"json"}',
    'ts=1 level=warn msg=logfmt',
    'a = b, not logfmt',
    'Error handling done',
    'ünïcödé ✓',
    'ERROR:root:python',
    '\tDEBUG tabbed',
  ];

  it('gives every line the level classifyLevel gives it, in groups of neighbours', () => {
    // Every sample after every other, so each one is seen at a group's start, middle and end.
    const lines = samples.flatMap((a) => samples.flatMap((b) => [a, b, b]));
    const patterns: LevelPattern[] = [{ level: 'DEBUG', regex: /not logfmt/ }];
    for (const [stream, own] of [
      ['stdout', []],
      ['stderr', []],
      ['stdout', patterns],
    ] as const) {
      const groups = classifyLines(lines.join('\n'), lines.length, stream, own);
      const levels = groups.flatMap((g) => Array<string>(g.count).fill(g.level));
      expect(levels).toEqual(lines.map((line) => classifyLevel(line, stream, own)));
      expect(groups.map((g) => g.text).join('\n')).toBe(lines.join('\n'));
      expect(groups.every((g, i) => i === 0 || g.level !== groups[i - 1]?.level)).toBe(true);
      expect(groups.every((g) => g.text.split('\n').length === g.count)).toBe(true);
    }
  });

  it('keeps a block of plain lines as one group, and a lone line as it is', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    expect(classifyLines(text, 1000, 'stdout')).toEqual([{ level: 'INFO', text, count: 1000 }]);
    expect(classifyLines('two\nlines in one', 1, 'stderr')).toEqual([
      { level: 'ERROR', text: 'two\nlines in one', count: 1 },
    ]);
  });
});
