/** A task's status, exactly as seed 004 names them. */
export const TASK_STATUSES = [
  'IDLE',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'EXCEPTION',
  'DISABLED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** How a finished run ended: the subset of task statuses a run can have. */
export type RunOutcome = Extract<TaskStatus, 'SUCCESS' | 'FAILED' | 'EXCEPTION'>;

/** What started a run. `misfire` is a run owed from a time the server was not running it. */
export const RUN_TRIGGERS = ['schedule', 'manual', 'retry', 'batch', 'api', 'misfire'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** Why a run ended in EXCEPTION rather than with an exit code of its own. */
export const EXCEPTION_REASONS = ['spawn_failed', 'timeout', 'killed', 'lost'] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

/** What the process runner observed about one run. */
export interface RunObservation {
  /** The spawn error's message when the process could not start. */
  spawnError?: string | undefined;
  timedOut: boolean;
  /** The timeout that fired, in seconds, for the summary. */
  timeoutSeconds?: number | undefined;
  stoppedByUser: boolean;
  exitCode: number | null;
  signal: string | null;
  /** False when the process was lost (e.g. the server restarted while it ran). */
  exitKnown: boolean;
}

export interface RunClassification {
  status: RunOutcome;
  reason: ExceptionReason | null;
  /** One sentence for people: "exited with code 2". */
  summary: string;
}

/**
 * Names a run's outcome. FAILED is the program's own verdict (a non-zero
 * exit); EXCEPTION is everything that kept it from giving one: it could not
 * start, timed out, was killed or stopped, or its exit is unknown.
 */
export function classifyRun(run: RunObservation): RunClassification {
  if (run.spawnError !== undefined) {
    return exception('spawn_failed', `could not start: ${run.spawnError}`);
  }
  if (run.timedOut) {
    const after = run.timeoutSeconds === undefined ? '' : ` after ${run.timeoutSeconds} s`;
    return exception('timeout', `timed out${after} and was killed`);
  }
  if (run.stoppedByUser) return exception('killed', 'was stopped by a person');
  if (!run.exitKnown) return exception('lost', 'was lost: its exit status is unknown');
  if (run.signal !== null) return exception('killed', `was killed by signal ${run.signal}`);
  if (run.exitCode === null) return exception('lost', 'ended without an exit code');
  return run.exitCode === 0
    ? { status: 'SUCCESS', reason: null, summary: 'exited with code 0' }
    : { status: 'FAILED', reason: null, summary: `exited with code ${run.exitCode}` };
}

function exception(reason: ExceptionReason, summary: string): RunClassification {
  return { status: 'EXCEPTION', reason, summary };
}

/**
 * A task's status for lists: DISABLED, RUNNING, its last run's status, or
 * IDLE when it never ran. A last run still recorded as RUNNING is reported
 * as such even when `running` is 0: the stored record is the truth until
 * the run is settled.
 */
export function taskStatus(input: {
  enabled: boolean;
  running: number;
  lastRun: { status: RunOutcome | 'RUNNING' } | null;
}): TaskStatus {
  if (!input.enabled) return 'DISABLED';
  if (input.running > 0) return 'RUNNING';
  return input.lastRun?.status ?? 'IDLE';
}

export interface RunStats {
  runs: number;
  success: number;
  failed: number;
  exception: number;
  /** success / runs in 0..1; null when there are no runs. */
  successRate: number | null;
  /** Over the runs whose duration is known; null when none is. */
  meanDurationMs: number | null;
}

/** Counts and rates over finished runs. */
export function runStats(
  runs: readonly { status: RunOutcome; durationMs: number | null }[],
): RunStats {
  const count = (status: RunOutcome) => runs.filter((r) => r.status === status).length;
  const durations = runs.flatMap((r) =>
    r.durationMs !== null && Number.isFinite(r.durationMs) ? [r.durationMs] : [],
  );
  const success = count('SUCCESS');
  return {
    runs: runs.length,
    success,
    failed: count('FAILED'),
    exception: count('EXCEPTION'),
    successRate: runs.length === 0 ? null : success / runs.length,
    meanDurationMs:
      durations.length === 0 ? null : durations.reduce((a, b) => a + b, 0) / durations.length,
  };
}
