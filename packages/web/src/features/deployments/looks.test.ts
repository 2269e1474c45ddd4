import { describe, expect, it } from 'vitest';
import type { AnalysisCheck, AnalysisRecord } from '../../api/types';
import { decidingOf, looksByStep } from './looks';

const check = (
  metric: AnalysisCheck['metric'],
  value: number | null,
  threshold: number,
  comparator: '>=' | '<=',
  verdict: AnalysisCheck['verdict'],
): AnalysisCheck => ({
  metric,
  value,
  threshold,
  comparator,
  verdict,
  unit: metric === 'latencyP99' ? 'ms' : 'fraction',
  evidence: `${metric} ${String(value)}`,
});

const look = (over: Partial<AnalysisRecord>): AnalysisRecord => ({
  time: '2026-12-07T19:34:00.000Z',
  step: 1,
  verdict: 'pass',
  reason: null,
  checks: [],
  comparison: null,
  canary: { requests: 40, errors: 0 },
  baseline: null,
  ...over,
});

describe('the number that decided a look', () => {
  it('is the failed check furthest past its threshold', () => {
    const record = look({
      verdict: 'fail',
      checks: [
        check('successRate', 0.93, 0.95, '>=', 'fail'),
        check('errorRate', 0.2, 0.05, '<=', 'fail'),
        check('latencyP99', 120, 500, '<=', 'pass'),
      ],
    });
    expect(decidingOf(record)).toMatchObject({ kind: 'check', check: { metric: 'errorRate' } });
  });

  it('is the comparison with the stable version when only that failed', () => {
    const record = look({
      verdict: 'fail',
      checks: [check('successRate', 0.99, 0.95, '>=', 'pass')],
      comparison: {
        errorTest: { decision: 'continue', evidence: 'no conclusion yet' },
        latency: { verdict: 'fail', evidence: 'canary latency is higher' },
      },
    });
    expect(decidingOf(record)).toEqual({ kind: 'comparison', which: 'latency' });
  });

  it('is too little traffic when the look could not judge', () => {
    const record = look({
      verdict: 'inconclusive',
      checks: [check('successRate', null, 0.95, '>=', 'inconclusive')],
      canary: { requests: 3, errors: 0 },
    });
    expect(decidingOf(record)).toEqual({ kind: 'fewRequests', requests: 3 });
  });

  it('is the check nearest its threshold on a pass', () => {
    const record = look({
      checks: [
        check('successRate', 1, 0.95, '>=', 'pass'),
        check('latencyP99', 480, 500, '<=', 'pass'),
      ],
    });
    expect(decidingOf(record)).toMatchObject({ check: { metric: 'latencyP99' } });
  });
});

describe('looks by step', () => {
  it('groups the looks of each step, the newest step and look first', () => {
    const records = [
      look({ step: 1, time: 'a' }),
      look({ step: 1, time: 'b' }),
      look({ step: 2, time: 'c' }),
    ];
    expect(looksByStep(records).map((g) => [g.step, g.looks.map((l) => l.time)])).toEqual([
      [2, ['c']],
      [1, ['b', 'a']],
    ]);
  });
});
