import { describe, expect, it } from 'vitest';
import { replicaCounts } from './replica-counts.js';

const split = (canary: number) => [
  { version: 'v1', weight: 100 - canary },
  { version: 'v2', weight: canary },
];
const counts = (total: number, canary: number) =>
  Object.fromEntries(replicaCounts(total, split(canary)));

describe('replicaCounts', () => {
  it('gives each version its share of the pods when the share is whole', () => {
    expect(counts(10, 20)).toEqual({ v1: 8, v2: 2 });
    expect(counts(4, 50)).toEqual({ v1: 2, v2: 2 });
    expect(counts(5, 100)).toEqual({ v1: 0, v2: 5 });
    expect(counts(5, 0)).toEqual({ v1: 5, v2: 0 });
  });

  it('keeps a pod for a version with a small share, taken from the largest', () => {
    expect(counts(4, 5)).toEqual({ v1: 3, v2: 1 });
    expect(counts(10, 1)).toEqual({ v1: 9, v2: 1 });
  });

  it('grows the total when every serving version needs a pod', () => {
    expect(counts(1, 10)).toEqual({ v1: 1, v2: 1 });
  });

  it('rounds by largest remainder, and the total never changes otherwise', () => {
    expect(counts(3, 50)).toEqual({ v1: 2, v2: 1 });
    const three = Object.fromEntries(
      replicaCounts(7, [
        { version: 'v1', weight: 50 },
        { version: 'v2', weight: 30 },
        { version: 'v3', weight: 20 },
      ]),
    );
    expect(three).toEqual({ v1: 4, v2: 2, v3: 1 });
    for (let total = 1; total <= 12; total += 1) {
      for (const canary of [0, 1, 5, 10, 33, 50, 67, 90, 99, 100]) {
        const got = replicaCounts(total, split(canary));
        const sum = [...got.values()].reduce((s, c) => s + c, 0);
        expect(sum, `${total} at ${canary}`).toBe(
          Math.max(total, canary > 0 && canary < 100 ? 2 : 1),
        );
      }
    }
  });
});
