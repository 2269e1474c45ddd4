import type { AnalysisCheck, AnalysisRecord } from '../../api/types';

/** What decided a look, for its one line in the timeline. */
export type Deciding =
  | { kind: 'check'; check: AnalysisCheck }
  | { kind: 'comparison'; which: 'errors' | 'latency' }
  | { kind: 'fewRequests'; requests: number }
  | { kind: 'none' };

/** How far a check's value is from its threshold, as a share of the threshold (negative: past it). */
function margin(check: AnalysisCheck): number {
  if (check.value === null) return Infinity;
  const room =
    check.comparator === '>=' ? check.value - check.threshold : check.threshold - check.value;
  return room / (Math.abs(check.threshold) || 1);
}

const closest = (checks: readonly AnalysisCheck[]) =>
  [...checks].sort((a, b) => margin(a) - margin(b))[0];

/**
 * The number that decided a look: the check furthest past its threshold when one failed, the
 * comparison with the stable version when that failed it, too little traffic when the look
 * could not judge, and on a pass the check nearest its threshold (the one to watch).
 */
export function decidingOf(record: AnalysisRecord): Deciding {
  const failed = closest(record.checks.filter((c) => c.verdict === 'fail'));
  if (failed !== undefined) return { kind: 'check', check: failed };
  if (record.comparison?.errorTest?.decision === 'fail')
    return { kind: 'comparison', which: 'errors' };
  if (record.comparison?.latency?.verdict === 'fail')
    return { kind: 'comparison', which: 'latency' };
  if (record.verdict === 'inconclusive' && record.checks.some((c) => c.value === null)) {
    return { kind: 'fewRequests', requests: record.canary.requests };
  }
  const nearest = closest(record.checks.filter((c) => c.value !== null));
  return nearest === undefined ? { kind: 'none' } : { kind: 'check', check: nearest };
}

/** The looks of a release by step, the newest step and the newest look first. */
export function looksByStep(
  records: readonly AnalysisRecord[],
): { step: number; looks: AnalysisRecord[] }[] {
  const groups: { step: number; looks: AnalysisRecord[] }[] = [];
  for (const record of [...records].reverse()) {
    const last = groups.at(-1);
    if (last?.step === record.step) last.looks.push(record);
    else groups.push({ step: record.step, looks: [record] });
  }
  return groups;
}
