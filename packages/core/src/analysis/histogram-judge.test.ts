import { describe, expect, it } from 'vitest';
import { JUDGE, SCENARIOS, measureFigure } from './test-support/judge-figures.js';

/**
 * The judge on histograms keeps the false-alarm and detection figures of the judge on raw
 * latencies: over many seeded windows per scenario, the share it fails differs by at most three
 * percentage points (a p99 limit on a bucket bound decides on exact counts, so not at all), and
 * it raises no more false alarms than the rank test's alpha allows, with some room for chance.
 * `npx tsx bench/judge-histograms.ts` measures the same over more windows for docs/delivery.md.
 */
describe('the judge on histograms against the judge on raw latencies', () => {
  for (const n of [30, 200]) {
    for (const [index, scenario] of SCENARIOS.entries()) {
      it(`${scenario.check}, ${scenario.name}, ${n} requests a version`, () => {
        const figure = measureFigure(scenario, n, 400, 1000 * n + index);
        expect(Math.abs(figure.histogram - figure.raw)).toBeLessThanOrEqual(0.03);
        if (scenario.check === 'p99 threshold') expect(figure.histogram).toBe(figure.raw);
        if (scenario.kind === 'false alarm' && scenario.check === 'latency comparison') {
          // 400 windows at alpha 1 %: 4 expected; 2 % allows for a binomial draw well above.
          expect(figure.histogram).toBeLessThanOrEqual(2 * JUDGE.alpha);
        }
      });
    }
  }
});
