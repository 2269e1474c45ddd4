import { describe, expect, it } from 'vitest';
import { decideOverlap, type OverlapDecision, type OverlapPolicy } from './overlap.js';

describe('decideOverlap', () => {
  it.each<[OverlapPolicy, number, number, OverlapDecision]>([
    ['skip', 0, 1, 'start'],
    ['queue', 0, 1, 'start'],
    ['replace', 0, 1, 'start'],
    ['allow', 0, 1, 'start'],
    ['skip', 1, 2, 'start'],
    ['skip', 1, 1, 'skip'],
    ['queue', 1, 1, 'queue'],
    ['replace', 1, 1, 'replace'],
    ['allow', 1, 1, 'start'],
    ['skip', 3, 2, 'skip'],
    ['allow', 50, 2, 'start'],
  ])('%s with %i running of %i → %s', (policy, running, maxConcurrent, decision) => {
    expect(decideOverlap({ policy, running, maxConcurrent })).toBe(decision);
  });
});
