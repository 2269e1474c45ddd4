import { describe, expect, it } from 'vitest';
import { sameWeights, splitWeights, type TrafficSplit } from './router.js';

const split: TrafficSplit = {
  versions: [
    { version: 'v1', weight: 90, target: { kind: 'service', name: 'shop-v1', port: 80 } },
    {
      version: 'v2',
      weight: 10,
      target: { kind: 'endpoints', endpoints: [{ host: '127.0.0.1', port: 9001 }] },
    },
  ],
  stable: 'v1',
  canary: 'v2',
  headerRouting: true,
  sticky: false,
};

describe('split weights', () => {
  it('reads the weights of a split by version', () => {
    expect(splitWeights(split)).toEqual({ v1: 90, v2: 10 });
  });

  it('treats a version at 0 and an absent one alike, and any other difference as a difference', () => {
    expect(sameWeights({ v1: 100, v2: 0 }, { v1: 100 })).toBe(true);
    expect(sameWeights({ v1: 90, v2: 10 }, { v1: 100 })).toBe(false);
    expect(sameWeights({ v1: 90, v2: 10 }, { v2: 10, v1: 90 })).toBe(true);
  });
});
