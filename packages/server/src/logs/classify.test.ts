import { describe, expect, it } from 'vitest';
import { classifyLevel } from './classify.js';
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
