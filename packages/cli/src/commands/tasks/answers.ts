/**
 * One task's outcome of run/stop/toggle/restart/rm, as the command reports it: a batch result,
 * or what the task's own endpoint answered.
 */
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

/** What `codedance tasks run|stop|toggle|restart|rm` do to each task given. */
export const ACTIONS = ['run', 'stop', 'toggle', 'restart', 'rm'] as const;
export type Action = (typeof ACTIONS)[number];

export const taskPath = (id: string, tail = '') => `/api/tasks/${encodeURIComponent(id)}${tail}`;
