import type { Output } from '../../output.js';
import type { Deployment } from '@codedance/api';
import { FINAL } from './answers.js';
import { analysisHeadline, clockTime, paintStatus, stepMark } from './format.js';

/** What has been printed of a release so far, so each new read prints only what changed. */
export interface Seen {
  status: string | null;
  reason: string | null;
  /** Status of each step as last printed. */
  steps: string[];
  weight: number | null;
  /** Time of the newest analysis look printed. */
  lookedAt: string | null;
}

export const NOTHING_SEEN: Seen = {
  status: null,
  reason: null,
  steps: [],
  weight: null,
  lookedAt: null,
};

interface Happening {
  time: string;
  step: number;
  /** Order within one step at one time: start, weight, analysis, end, then the status. */
  rank: number;
  text: string;
}

/** What a person can do about a paused release. */
export function pausedHint(d: Deployment): string {
  return `go on with: codedance rollout resume ${d.id} (promote skips to full traffic; abort rolls back)`;
}

/**
 * The lines that tell what happened between `seen` and `d`: steps that began and ended, traffic
 * that moved, analysis looks with their verdict and reason, and pauses with what they wait for,
 * in the order they happened. Final statuses are left to the caller's last line.
 */
export function progressLines(
  out: Output,
  d: Deployment,
  seen: Seen,
  now: Date,
): { lines: string[]; seen: Seen } {
  const happenings: Happening[] = [];
  const stamp = (time: string | undefined) => time ?? now.toISOString();
  d.progress.steps.forEach((step, i) => {
    const before = seen.steps[i] ?? 'PENDING';
    if (step.status === before || step.status === 'PENDING') return;
    if (before === 'PENDING' && step.status === 'RUNNING') {
      happenings.push({
        time: stamp(step.startTime),
        step: i,
        rank: 0,
        text: `${stepMark(out, 'RUNNING')} ${step.name}`,
      });
      return;
    }
    const detail =
      step.detail === undefined
        ? step.status === 'SKIPPED'
          ? ' skipped'
          : ''
        : `: ${step.detail}`;
    happenings.push({
      time: stamp(step.endTime ?? step.startTime),
      step: i,
      rank: 3,
      text: `${stepMark(out, step.status)} ${step.name}${detail}`,
    });
  });
  const weight = d.canary.currentWeight;
  // Where traffic ends is the caller's last line; a rollback's return to 0% is part of it.
  const ended = FINAL.includes(d.status);
  if (weight !== (seen.weight ?? 0) && !ended) {
    const stable = d.resources.stable;
    happenings.push({
      time: stamp(d.progress.steps[d.progress.currentStepIndex]?.startTime),
      step: d.progress.currentStepIndex,
      rank: 1,
      text: `  traffic ${weight}% to ${d.version}${stable === null ? '' : `, ${stable.traffic}% to ${stable.version}`}`,
    });
  }
  for (const a of d.analysis) {
    if (seen.lookedAt !== null && a.time <= seen.lookedAt) continue;
    happenings.push({ time: a.time, step: a.step, rank: 2, text: analysisHeadline(out, d, a) });
  }
  const statusChanged = d.status !== seen.status || d.reason !== seen.reason;
  if (statusChanged && d.status === 'PAUSED') {
    happenings.push({
      time: stamp(d.logs.at(-1)?.time),
      step: Number.MAX_SAFE_INTEGER,
      rank: 4,
      text: `${paintStatus(out, 'PAUSED')}: ${d.reason ?? 'no reason given'}; ${pausedHint(d)}`,
    });
  } else if (statusChanged && seen.status === 'PAUSED' && d.status === 'RUNNING') {
    happenings.push({
      time: stamp(d.logs.at(-1)?.time),
      step: Number.MAX_SAFE_INTEGER,
      rank: 4,
      text: `${paintStatus(out, 'RUNNING')} again`,
    });
  }
  happenings.sort((a, b) =>
    a.time === b.time ? a.step - b.step || a.rank - b.rank : a.time < b.time ? -1 : 1,
  );
  return {
    lines: happenings.map((h) => `${out.paint('dim', clockTime(h.time))}  ${h.text}`),
    seen: {
      status: d.status,
      reason: d.reason,
      steps: d.progress.steps.map((s) => s.status),
      weight,
      lookedAt: d.analysis.at(-1)?.time ?? seen.lookedAt,
    },
  };
}
