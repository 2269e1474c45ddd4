/**
 * Milliseconds since the epoch, as the release and service controllers
 * read the time; the server passes `Date.now`, tests a clock they move.
 */
export type Clock = () => number;
