import { Cron } from 'croner';

/**
 * A cron expression as a paused croner job, used only for its arithmetic.
 * Five fields, or six with seconds first. Without a time zone croner uses
 * the host's local time, as cron does. Throws croner's error when the
 * expression or the zone is not valid.
 */
export function cronSchedule(expression: string, timezone?: string): Cron {
  return new Cron(expression, {
    paused: true,
    mode: '5-or-6-parts',
    ...(timezone === undefined ? {} : { timezone }),
  });
}

/** True for a string that names a time zone this runtime knows (IANA names). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a cron expression cannot be used, or null when it can. An expression
 * that parses but never fires (`0 0 31 2 *`) is refused too: it would leave
 * a task that silently never runs. Without a year field, an expression that
 * fires at all fires after any date, so the search needs no clock. A bad
 * zone is the caller's to report; the expression is then checked in UTC.
 */
export function cronProblem(expression: string, timezone?: string): string | null {
  let schedule: Cron;
  try {
    schedule = cronSchedule(
      expression,
      timezone !== undefined && isTimeZone(timezone) ? timezone : 'UTC',
    );
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return schedule.nextRuns(1, SEARCH_FROM).length === 0 ? 'never matches a date' : null;
}

const SEARCH_FROM = new Date(Date.UTC(2000, 0, 1));
