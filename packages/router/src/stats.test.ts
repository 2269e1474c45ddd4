import { describe, expect, it } from 'vitest';
import { RouterStats, summariseParts, windowSeconds } from './stats.js';

const NOW = 7_000_000;

function record(stats: RouterStats, version: string, status: number, ms: number, at: number) {
  stats.forVersion(version).record(status, ms, 10, at);
}

describe('stats from several workers', () => {
  it('add up to what one process that saw every request would report', () => {
    const all = new RouterStats({ now: () => NOW });
    const workers = [new RouterStats({ now: () => NOW }), new RouterStats({ now: () => NOW })];
    for (let i = 0; i < 300; i++) {
      const version = i % 10 === 0 ? 'canary' : 'stable';
      const status = i % 7 === 0 ? 503 : i % 5 === 0 ? 404 : 200;
      const at = NOW - 3000 + i * 10;
      const ms = 1 + (i % 37);
      record(all, version, status, ms, at);
      record(workers[i % 2]!, version, status, ms, at);
    }
    workers[1]!.forVersion('stable').recordAborted(NOW - 100);
    all.forVersion('stable').recordAborted(NOW - 100);

    const from = NOW - 60_000;
    const parts = workers.map((w) => w.part(from, NOW));
    const merged = summariseParts(windowSeconds(from, NOW), parts, {
      withSamples: false,
      samplesPerWindow: 5000,
      random: Math.random,
    });
    expect(merged).toEqual(all.window(from, NOW));
    expect(merged.versions['stable']!.aborted).toBe(1);
  });

  it('samples every worker in proportion to the requests it served', () => {
    const busy = new RouterStats({ now: () => NOW });
    const quiet = new RouterStats({ now: () => NOW });
    for (let i = 0; i < 900; i++) record(busy, 'stable', 200, 1, NOW - 1000 + (i % 1000));
    for (let i = 0; i < 100; i++) record(quiet, 'stable', 200, 2, NOW - 1000 + i);
    const from = NOW - 1000;
    const window = summariseParts(
      windowSeconds(from, NOW),
      [busy.part(from, NOW, true), quiet.part(from, NOW, true)],
      { withSamples: true, samplesPerWindow: 100, random: Math.random },
    );
    const samples = window.versions['stable']!.samples!;
    expect(samples).toHaveLength(100);
    expect(samples.filter((ms) => ms === 1)).toHaveLength(90);
    expect(samples.filter((ms) => ms === 2)).toHaveLength(10);
  });

  it('reports an empty window when no worker answered', () => {
    const window = summariseParts(windowSeconds(1000, 5000), [], {
      withSamples: true,
      samplesPerWindow: 10,
      random: Math.random,
    });
    expect(window).toEqual({ from: 1000, to: 5000, versions: {} });
  });
});
