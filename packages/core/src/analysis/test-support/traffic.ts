import { binomialDraw } from './random.js';

/** Cumulative request and error counts of one version, as the router keeps them. */
export interface Tally {
  requests: number;
  errors: number;
}

/** Adds `requests` requests, each an error with probability `errorRate`, to a tally. */
export function addTraffic(
  random: () => number,
  tally: Tally,
  requests: number,
  errorRate: number,
): Tally {
  return {
    requests: tally.requests + requests,
    errors: tally.errors + binomialDraw(random, requests, errorRate),
  };
}
