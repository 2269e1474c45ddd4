import { describe, expect, it } from 'vitest';
import { parseRouteTable, type RouteTable } from './table.js';
import {
  chooseVersion,
  compileTable,
  nextByWeight,
  pickBackend,
  stickyVersion,
} from './weights.js';

function table(stable: number, canary: number, extra: Partial<RouteTable> = {}): RouteTable {
  const parsed = parseRouteTable({
    versions: [
      { version: 'stable', weight: stable, backends: ['127.0.0.1:1001', '127.0.0.1:1002'] },
      { version: 'canary', weight: canary, backends: ['127.0.0.1:2001'] },
    ],
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.table;
}

function picks(stable: number, canary: number, count: number): string[] {
  const state = compileTable(table(stable, canary));
  return Array.from({ length: count }, () => nextByWeight(state)?.version ?? 'none');
}

function longestRun(sequence: string[], value: string): number {
  let longest = 0;
  let run = 0;
  for (const item of sequence) {
    run = item === value ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

describe('smooth weighted round-robin', () => {
  it('sends exactly 1 in every 10 consecutive requests to a 10 % canary', () => {
    const sequence = picks(90, 10, 1000);
    for (let start = 0; start + 10 <= sequence.length; start++) {
      expect(sequence.slice(start, start + 10).filter((v) => v === 'canary')).toHaveLength(1);
    }
  });

  it('splits 33/67 exactly over every 100 consecutive requests, without long runs', () => {
    const sequence = picks(67, 33, 1000);
    for (let start = 0; start + 100 <= sequence.length; start += 7) {
      expect(sequence.slice(start, start + 100).filter((v) => v === 'canary')).toHaveLength(33);
    }
    expect(longestRun(sequence, 'stable')).toBeLessThanOrEqual(3);
    expect(longestRun(sequence, 'canary')).toBe(1);
  });

  it('sends everything to the only version with weight (0/100 and 100/0)', () => {
    expect(new Set(picks(0, 100, 200))).toEqual(new Set(['canary']));
    expect(new Set(picks(100, 0, 200))).toEqual(new Set(['stable']));
  });

  it('interleaves 50/50 strictly', () => {
    expect(picks(50, 50, 6)).toEqual(['stable', 'canary', 'stable', 'canary', 'stable', 'canary']);
  });

  it('refuses weights that do not add up to 100 and duplicate versions', () => {
    const parsed = parseRouteTable({
      versions: [
        { version: 'a', weight: 10, backends: [] },
        { version: 'a', weight: 10, backends: [] },
      ],
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problems.map((p) => p.message)).toEqual([
        'is a duplicate',
        'weights add up to 20, not 100',
      ]);
    }
    expect(parseRouteTable({ versions: [{ version: 'a', weight: 101, backends: [] }] }).ok).toBe(
      false,
    );
  });
});

describe('version choice', () => {
  it('honours x-canary always/never without advancing the weighted sequence', () => {
    const state = compileTable(table(90, 10));
    expect(chooseVersion(state, 'always', undefined)?.version).toBe('canary');
    expect(chooseVersion(state, 'never', undefined)?.version).toBe('stable');
    const rest = Array.from(
      { length: 10 },
      () => chooseVersion(state, undefined, undefined)?.version,
    );
    expect(rest.filter((v) => v === 'canary')).toHaveLength(1);
  });

  it('ignores x-canary when header routing is off', () => {
    const state = compileTable(table(100, 0, { headerRouting: false }));
    expect(chooseVersion(state, 'always', undefined)?.version).toBe('stable');
  });

  it('pins to the version in the cookie while it still takes traffic', () => {
    const state = compileTable(table(90, 10, { sticky: true }));
    const pinned = stickyVersion(state, 'a=1; cd_version=canary; b=2');
    expect(pinned?.version).toBe('canary');
    expect(chooseVersion(state, undefined, pinned)?.version).toBe('canary');
    expect(stickyVersion(state, 'xcd_version=canary')).toBeUndefined();
    expect(stickyVersion(state, 'cd_version=gone')).toBeUndefined();
    const withdrawn = compileTable(table(100, 0, { sticky: true }));
    expect(stickyVersion(withdrawn, 'cd_version=canary')).toBeUndefined();
  });

  it('round-robins backends and skips those marked down', () => {
    const state = compileTable(table(100, 0));
    const stable = state.stable!;
    expect([1, 2, 3].map(() => pickBackend(stable, 0)?.port)).toEqual([1001, 1002, 1001]);
    stable.backends[0]!.downUntil = 100;
    expect([1, 2].map(() => pickBackend(stable, 50)?.port)).toEqual([1002, 1002]);
    expect(pickBackend(stable, 150)?.port).toBe(1001);
  });
});
