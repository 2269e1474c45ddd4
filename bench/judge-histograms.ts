// The release judge's false-alarm and detection figures: on raw latencies (as it judged before
// the router kept histograms) and on the router's histograms (as it judges now).
//
//   npx tsx bench/judge-histograms.ts [--windows 2000] [--out bench/results/judge-histograms.json]
//
// Every window is drawn once from a seeded generator and judged both ways, so the figures differ
// only by what the buckets lose. Windows of 1000 requests a side are a quarter as many. Sizes are requests per version per window; the raw judge ranked
// every latency of windows this small (its sample held up to 5000).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  JUDGE,
  SCENARIOS,
  measureFigure,
  type Figure,
} from '../packages/core/src/analysis/test-support/judge-figures.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '2000' },
    out: { type: 'string', default: join(ROOT, 'bench/results/judge-histograms.json') },
  },
});
const windows = Number(values.windows);
const figures: Figure[] = [];
for (const n of [30, 200, 1000]) {
  for (const [index, scenario] of SCENARIOS.entries()) {
    // Ranking 1000 raw latencies a side means a million pairs a window: fewer windows there.
    const count = n >= 1000 ? Math.ceil(windows / 4) : windows;
    const figure = measureFigure(scenario, n, count, 7919 * n + index);
    figures.push(figure);
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    console.log(
      [scenario.check, scenario.name, `n=${n}`, pct(figure.raw), pct(figure.histogram)].join(' | '),
    );
  }
}
const worst = Math.max(...figures.map((f) => Math.abs(f.histogram - f.raw)));
console.log(`largest difference: ${(worst * 100).toFixed(1)} percentage points`);
writeFileSync(
  values.out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      judge: JUDGE,
      windows,
      largestDifference: worst,
      figures,
    },
    null,
    2,
  )}\n`,
);
