/**
 * The one place server code reads the wall clock. Everything else takes a
 * clock as a parameter (defaulting to these), so that tests move time
 * themselves and a decision never depends on when it happens to run.
 * `npm run lint` refuses `Date.now()` and `new Date()` anywhere else.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** The current time as a `Date`, for the store and the records it writes. */
export type DateClock = () => Date;

export const systemClock: Clock = () => Date.now();

export const systemDateClock: DateClock = () => new Date();

/** A `Date` clock reading from a millisecond clock. */
export function dateClockOf(clock: Clock): DateClock {
  return () => new Date(clock());
}
