import { randomBytes } from 'node:crypto';
import type { TaskSpec } from '@codedance/core';

/** Store kinds owned by the task feature. */
export const TASK_KIND = 'task';
export const TASK_STATE_KIND = 'task-state';
export const TASK_RUN_KIND = 'task-run';

/** What the API writes: the definition only. */
export interface TaskData {
  spec: TaskSpec;
}

/** What the controller writes: schedule bookkeeping and the last outcome. */
export interface TaskStateData {
  /** Interval schedules count from here. */
  anchor: string;
  /** The last scheduled fire time that was handled (run, skipped or queued). */
  lastFireAt: string | null;
  lastRun: {
    run: string;
    status: RunStatus;
    reason: string | null;
    finishedAt: string;
    durationMs: number;
    exitCode: number | null;
  } | null;
}

export type RunStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'EXCEPTION';

/** One run of a task, from start to end. */
export interface RunData {
  task: string;
  run: string;
  trigger: string;
  attempt: number;
  status: RunStatus;
  reason: string | null;
  summary: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  pid: number | null;
  /** With the pid, identifies the process when the server restarts and re-adopts it. */
  startTicks: number | null;
  peakRssBytes: number;
  cpuSeconds: number;
  command: string[];
  /** The raw log files; the process writes into the named pipe beside each (`pipePath`). */
  logFiles: { stdout: string; stderr: string };
}

/** Run ids sort by creation time and are unique without coordination. */
export function newRunId(now: Date): string {
  return `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(3).toString('hex')}`;
}

/** A run's store id is scoped by its task so two tasks never collide. */
export function runRecordId(task: string, run: string): string {
  return `${task}/${run}`;
}
