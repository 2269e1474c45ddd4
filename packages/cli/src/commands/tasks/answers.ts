import type { LogEntryAnswer } from '../../api.js';

/** The answers of `/api/tasks…`: a task definition (seed 004 fields) plus its live status. */
export interface TaskAnswer {
  id: string;
  script_path: string;
  execute_path?: string;
  args?: string[];
  cwd?: string;
  environment?: Record<string, string>;
  interval_minutes?: number;
  cron?: string;
  timezone?: string;
  enabled: boolean;
  description?: string;
  timeout?: number;
  retry_count: number;
  retry_delay: number;
  retry_backoff: string;
  retry_jitter: number;
  max_concurrent: number;
  overlap: string;
  misfire: string;
  shell: boolean;
  version: number;
  status: string;
  running: number;
  queued: number;
  nextRunAt: string | null;
  lastRun: {
    run: string;
    status: string;
    reason: string | null;
    finishedAt: string;
    durationMs: number;
    exitCode: number | null;
  } | null;
}

/** `GET /api/tasks/:id`; `stats` comes from newer servers. */
export interface TaskDetailAnswer extends TaskAnswer {
  upcoming: string[];
  stats?: { runs: number; successRate: number | null; meanDurationMs: number | null };
}

export interface RunAnswer {
  task: string;
  run: string;
  trigger: string;
  attempt: number;
  status: string;
  reason: string | null;
  summary: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  pid: number | null;
  peakRssBytes: number;
  cpuSeconds: number;
  command: string[];
}

/** One task's outcome of run/stop/toggle/restart/rm, as the batch endpoints answer it. */
export interface ActionResult {
  id: string;
  ok: boolean;
  outcome?: string;
  run?: string;
  reason?: string;
  stopped?: number;
  enabled?: boolean;
  error?: { code: string; message: string };
}

/** A log entry of a task's run. */
export type TaskLogEntry = LogEntryAnswer & { source: { run?: string } };

/** What `codedance tasks run|stop|toggle|restart|rm` do to each task given. */
export const ACTIONS = ['run', 'stop', 'toggle', 'restart', 'rm'] as const;
export type Action = (typeof ACTIONS)[number];

export const taskPath = (id: string, tail = '') => `/api/tasks/${encodeURIComponent(id)}${tail}`;
