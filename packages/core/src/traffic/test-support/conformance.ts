import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sameWeights,
  type AppliedSplit,
  type AppRef,
  type TrafficRouter,
  type TrafficSplit,
  type VersionTarget,
} from '../router.js';

/** What a data plane hands the suite. */
export interface TrafficRouterUnderTest {
  router: TrafficRouter;
  /** A fresh entry point for one test (its own app name). */
  app: () => Promise<AppRef>;
  /** Where this data plane sends a version's traffic (endpoints, or a Service). */
  target: (app: AppRef, version: string) => VersionTarget;
  /** Whether it can pin a request by the x-canary header. */
  headerRouting: boolean;
  /** Ends whatever the suite left running. */
  cleanup: () => Promise<void>;
}

export interface TrafficRouterConformanceOptions {
  /** How long a data plane may take to show a split it took; 20 s by default. */
  settleMs?: number;
  setupMs?: number;
}

function split(
  sut: TrafficRouterUnderTest,
  app: AppRef,
  weights: Record<string, number>,
  canary: string | null,
): TrafficSplit {
  const versions = Object.entries(weights).map(([version, weight]) => ({
    version,
    weight,
    target: sut.target(app, version),
  }));
  return {
    versions,
    stable: versions[0]?.version ?? 'stable',
    canary,
    headerRouting: sut.headerRouting,
    sticky: false,
  };
}

/**
 * What every `TrafficRouter` owes a release, written against the interface only: a split taken
 * is the split reported, applying it again changes nothing, a new split replaces the old, and
 * `remove` takes the entry point down (twice is fine). Data planes that report what is in force
 * with a delay (replica counts) are polled until `settleMs`.
 */
export function describeTrafficRouterConformance(
  name: string,
  factory: () => Promise<TrafficRouterUnderTest>,
  options: TrafficRouterConformanceOptions = {},
): void {
  describe(`TrafficRouter conformance: ${name}`, { timeout: 90_000 }, () => {
    let sut: TrafficRouterUnderTest | null = null;
    beforeAll(async () => {
      sut = await factory();
    }, options.setupMs ?? 120_000);
    afterAll(async () => {
      await sut?.cleanup();
    }, options.setupMs ?? 120_000);
    const made = () => {
      if (sut === null) throw new Error('the data plane under test was not made');
      return Promise.resolve(sut);
    };
    const settled = async (
      router: TrafficRouter,
      app: AppRef,
      check: (applied: AppliedSplit | null) => boolean,
    ): Promise<AppliedSplit | null> => {
      const deadline = performance.now() + (options.settleMs ?? 20_000);
      let applied: AppliedSplit | null = null;
      for (;;) {
        applied = await router.current(app);
        if (check(applied)) return applied;
        if (performance.now() > deadline) {
          throw new Error(`the data plane did not settle; last seen: ${JSON.stringify(applied)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    it('reports the split it carries', async () => {
      const s = await made();
      const app = await s.app();
      await s.router.open?.(app);
      await s.router.apply(app, split(s, app, { v1: 80, v2: 20 }, 'v2'));
      const applied = await settled(s.router, app, (a) =>
        sameWeights(a?.weights ?? {}, { v1: 80, v2: 20 }),
      );
      expect(applied?.weights).toMatchObject({ v1: 80, v2: 20 });
    });

    it('changes nothing when the same split is applied again', async () => {
      const s = await made();
      const app = await s.app();
      await s.router.open?.(app);
      const wanted = split(s, app, { v1: 50, v2: 50 }, 'v2');
      await s.router.apply(app, wanted);
      const first = await settled(s.router, app, (a) =>
        sameWeights(a?.weights ?? {}, { v1: 50, v2: 50 }),
      );
      await s.router.apply(app, wanted);
      const second = await s.router.current(app);
      expect(second?.weights).toEqual(first?.weights);
      if (first?.split !== undefined) expect(second?.split).toEqual(first.split);
    });

    it('replaces a split whole: a version left out takes nothing', async () => {
      const s = await made();
      const app = await s.app();
      await s.router.open?.(app);
      await s.router.apply(app, split(s, app, { v1: 90, v2: 10 }, 'v2'));
      await settled(s.router, app, (a) => sameWeights(a?.weights ?? {}, { v1: 90, v2: 10 }));
      await s.router.apply(app, split(s, app, { v2: 100 }, null));
      const applied = await settled(s.router, app, (a) =>
        sameWeights(a?.weights ?? {}, { v2: 100 }),
      );
      expect(applied?.weights.v1 ?? 0).toBe(0);
    });

    it('takes the entry point down; a second remove is fine', async () => {
      const s = await made();
      const app = await s.app();
      await s.router.open?.(app);
      await s.router.apply(app, split(s, app, { v1: 100 }, null));
      await settled(s.router, app, (a) => (a?.weights.v1 ?? 0) === 100);
      await s.router.remove(app);
      await settled(s.router, app, (a) => a === null || (a.weights.v1 ?? 0) === 0);
      await s.router.remove(app);
    });
  });
}
