import type { FieldProblem } from '../errors/index.js';
import { cronProblem, isTimeZone } from '../schedule/index.js';
import { specValidator, type Validated } from './problems.js';
import { TaskSpecSchema, type TaskSpec } from './schema.js';

/**
 * Checks a task from the API or a file and fills in its defaults. Reports
 * every problem with its JSON pointer: the shape, then the schedule (both
 * an interval and a cron, a cron croner refuses, an unknown time zone).
 * The input is never modified.
 */
export const validateTaskSpec: (input: unknown) => Validated<TaskSpec> = specValidator(
  TaskSpecSchema,
  scheduleProblems,
);

function scheduleProblems(value: unknown): FieldProblem[] {
  if (value === null || typeof value !== 'object') return [];
  const { cron, timezone, interval_minutes: interval } = value as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  if (typeof cron === 'string') {
    if (interval !== undefined) {
      problems.push({ path: '/cron', message: 'cannot be combined with interval_minutes' });
    }
    // An empty cron is already reported by the schema; croner would only repeat it.
    const problem =
      cron.trim() === ''
        ? null
        : cronProblem(cron, typeof timezone === 'string' ? timezone : undefined);
    if (problem !== null) problems.push({ path: '/cron', message: problem });
  }
  if (typeof timezone === 'string') {
    if (!isTimeZone(timezone)) {
      problems.push({ path: '/timezone', message: `is not a known IANA time zone` });
    } else if (cron === undefined) {
      problems.push({ path: '/timezone', message: 'only applies to a cron schedule' });
    }
  }
  return problems;
}

/**
 * The program and arguments to spawn: `execute_path script_path args…`
 * with an interpreter, `script_path args…` without. With `shell: true` the
 * caller joins them for `/bin/sh -c`.
 */
export function taskCommand(spec: Pick<TaskSpec, 'script_path' | 'execute_path' | 'args'>): {
  command: string;
  args: string[];
} {
  const args = spec.args ?? [];
  return spec.execute_path === undefined
    ? { command: spec.script_path, args: [...args] }
    : { command: spec.execute_path, args: [spec.script_path, ...args] };
}
