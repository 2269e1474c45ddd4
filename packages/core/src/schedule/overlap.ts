/** What a task does when it is due while earlier runs are still going. */
export const OVERLAP_POLICIES = ['skip', 'queue', 'replace', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** `replace` means: stop the oldest running run, then start this one. */
export type OverlapDecision = 'start' | 'skip' | 'queue' | 'replace';

/**
 * Whether a due run may start given how many runs of the same task are
 * going. Below the task's limit it always starts. `allow` ignores the
 * per-task limit; the server-wide limit is the caller's to apply.
 */
export function decideOverlap(input: {
  policy: OverlapPolicy;
  running: number;
  maxConcurrent: number;
}): OverlapDecision {
  if (input.running < Math.max(1, input.maxConcurrent)) return 'start';
  switch (input.policy) {
    case 'allow':
      return 'start';
    case 'skip':
    case 'queue':
    case 'replace':
      return input.policy;
  }
}
