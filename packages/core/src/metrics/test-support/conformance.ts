import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { histogramCount, type MetricsSource } from '../source.js';

/** What a metrics source hands the suite. */
export interface MetricsSourceUnderTest {
  source: MetricsSource;
  /** The app whose versions `drive` sends to. */
  app: { environment: string; app: string };
  /**
   * Sends `requests` requests to `version` of the app, `errors` of them answered with a 5xx,
   * and resolves once they are all answered.
   */
  drive: (version: string, requests: number, errors: number) => Promise<void>;
  /** How long counts take to show (a scrape interval); 0 by default. */
  settleMs?: number;
  /** How far a count may be from the exact one, as a fraction (Prometheus extrapolates); 0. */
  tolerance?: number;
  cleanup: () => Promise<void>;
}

const near = (seen: number, exact: number, tolerance: number) =>
  Math.abs(seen - exact) <= Math.max(tolerance * exact, tolerance > 0 ? 1 : 0);

/**
 * What every `MetricsSource` owes the analysis judge, written against the interface only: each
 * version's requests, errors and a latency histogram holding every request, over the interval
 * asked for; a version without traffic present with zeros.
 */
export function describeMetricsSourceConformance(
  name: string,
  factory: () => Promise<MetricsSourceUnderTest>,
  options: { setupMs?: number } = {},
): void {
  describe(`MetricsSource conformance: ${name}`, { timeout: 120_000 }, () => {
    let sut: MetricsSourceUnderTest | null = null;
    beforeAll(async () => {
      sut = await factory();
    }, options.setupMs ?? 120_000);
    afterAll(async () => {
      await sut?.cleanup();
    }, options.setupMs ?? 120_000);
    const made = (): MetricsSourceUnderTest => {
      if (sut === null) throw new Error('the metrics source under test was not made');
      return sut;
    };

    it('counts each version over the interval, and keeps zeros for one without traffic', async () => {
      const s = made();
      const from = Date.now();
      await s.drive('v1', 20, 0);
      await s.drive('v2', 10, 4);
      await new Promise((resolve) => setTimeout(resolve, (s.settleMs ?? 0) + 1100));
      const to = Date.now() + 1000;
      const answer = await s.source.query({ ...s.app, versions: ['v1', 'v2', 'v9'], from, to });
      const tolerance = s.tolerance ?? 0;
      const { v1, v2, v9 } = answer.versions;
      expect(near(v1?.requests ?? -1, 20, tolerance), JSON.stringify(v1)).toBe(true);
      expect(v1?.errors).toBe(0);
      expect(near(v2?.requests ?? -1, 10, tolerance), JSON.stringify(v2)).toBe(true);
      expect(near(v2?.errors ?? -1, 4, tolerance), JSON.stringify(v2)).toBe(true);
      expect(v9).toMatchObject({ requests: 0, errors: 0 });
      for (const w of [v1, v2, v9]) {
        const h = w?.latency;
        expect(h?.counts.length).toBe((h?.bounds.length ?? 0) + 1);
        expect([...(h?.bounds ?? [])].sort((a, b) => a - b)).toEqual(h?.bounds);
        expect(
          near(histogramCount(h ?? { bounds: [], counts: [] }), w?.requests ?? 0, tolerance),
        ).toBe(true);
      }
      // The interval answered lies within the one asked for, to the second.
      expect(answer.from).toBeGreaterThanOrEqual(Math.floor(from / 1000) * 1000 - 1000);
      expect(answer.to).toBeLessThanOrEqual(Math.ceil(to / 1000) * 1000 + 1000);
      expect(answer.to).toBeGreaterThan(answer.from);
    });

    it('counts nothing over an interval before any traffic', async () => {
      const s = made();
      const answer = await s.source.query({
        ...s.app,
        versions: ['v1'],
        from: Date.now() - 3_600_000,
        to: Date.now() - 3_540_000,
      });
      expect(answer.versions.v1?.requests ?? 0).toBe(0);
    });
  });
}
