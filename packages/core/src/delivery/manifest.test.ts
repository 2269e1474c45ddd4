import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { appManifest, presetSteps, validateAppManifest } from './manifest.js';

const base = {
  apiVersion: 'deploy.codedance.io/v1alpha1',
  kind: 'App',
  metadata: { name: 'shop', namespace: 'production' },
  spec: { port: 8080, run: { command: 'node', args: ['server.js'] } },
};

function withSpec(spec: Record<string, unknown>) {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe('durations', () => {
  it('reads the forms a manifest uses', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('200ms')).toBe(200);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration(45)).toBe(45_000);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('10')).toBeNull();
    expect(parseDuration(-1)).toBeNull();
  });

  it('writes them back for people', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(0)).toBe('0ms');
  });
});

describe('validateAppManifest', () => {
  it('fills in every default: a linear canary judged by the seed thresholds', () => {
    const result = validateAppManifest(base);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const app = result.value;
    expect(app).toMatchObject({
      name: 'shop',
      namespace: 'production',
      instances: 1,
      autoRollback: true,
      keepPreviousMs: 600_000,
      readinessTimeoutMs: 30_000,
    });
    expect(app.strategy.type).toBe('CANARY');
    expect(app.strategy.canary.preset).toBe('linear');
    expect(app.strategy.canary.steps.map((s) => s.weight)).toEqual([20, 40, 60, 80]);
    expect(app.analysis).toMatchObject({
      successRate: 0.95,
      errorRate: 0.05,
      latencyP99Ms: 200,
      intervalMs: 10_000,
    });
  });

  it('expands presets into explicit steps; manual steps wait for promote', () => {
    expect(presetSteps('exponential', 1000).map((s) => s.weight)).toEqual([5, 10, 20, 40, 80]);
    expect(presetSteps('manual', 1000)).toEqual([
      { weight: 10, pauseMs: null, analysis: false },
      { weight: 50, pauseMs: null, analysis: false },
    ]);
  });

  it('reads explicit steps, with {} as a pause that waits for promote', () => {
    const result = validateAppManifest(
      withSpec({
        strategy: {
          type: 'CANARY',
          canary: {
            steps: [
              { weight: 10, pause: '1m' },
              { weight: 20 },
              { weight: 30, pause: {} },
              { weight: 100 },
            ],
          },
        },
      }),
    );
    expect(result.ok && result.value.strategy.canary.steps).toEqual([
      { weight: 10, pauseMs: 60_000, analysis: true },
      { weight: 20, pauseMs: 30_000, analysis: true },
      { weight: 30, pauseMs: null, analysis: false },
      // A last step at 100 % without a pause ends the release at once.
      { weight: 100, pauseMs: 0, analysis: false },
    ]);
  });

  it('holds and analyses full traffic only when the last step says how long', () => {
    const result = validateAppManifest(
      withSpec({
        strategy: { canary: { steps: [{ weight: 10 }, { weight: 100, pause: '2m' }] } },
      }),
    );
    expect(result.ok && result.value.strategy.canary.steps.at(-1)).toEqual({
      weight: 100,
      pauseMs: 120_000,
      analysis: true,
    });
    const nothing = validateAppManifest(
      withSpec({
        strategy: {
          canary: { steps: [{ weight: 10 }, { weight: 50, pause: 0, analysis: true }] },
        },
      }),
    );
    expect(!nothing.ok && nothing.problems).toEqual([
      {
        path: '/spec/strategy/canary/steps/1/analysis',
        message: 'needs a pause to analyse over (this step holds 0 s)',
      },
    ]);
  });

  it('names every problem by its path', () => {
    const result = validateAppManifest({
      ...base,
      apiVersion: 'v2',
      metadata: { name: 'Shop!' },
      spec: {
        port: 0,
        run: {},
        strategy: { type: 'SOMETIMES', canary: { steps: [{ weight: 50 }, { weight: 20 }] } },
        analysis: { successRate: 2, interval: 'often' },
        surprise: true,
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/apiVersion',
        '/metadata/name',
        '/spec/port',
        '/spec/run/command',
        '/spec/strategy/type',
        '/spec/analysis/successRate',
        '/spec/analysis/interval',
        '/spec/surprise',
        '/spec/strategy/canary/steps/1/weight',
      ]),
    );
    const interval = result.problems.find((p) => p.path === '/spec/analysis/interval');
    expect(interval?.message).toMatch(/duration such as 30s/);
  });

  it('reads rates as fractions, and refuses a percentage instead of misreading it', () => {
    const result = validateAppManifest(
      withSpec({
        analysis: {
          successRate: 95,
          errorRate: 0.1,
          alpha: 0.5,
          minErrorIncrease: 1,
          minLatencyShift: 'a bit',
        },
      }),
    );
    expect(!result.ok && result.problems).toEqual([
      {
        path: '/spec/analysis/successRate',
        message: 'must be a fraction from 0 to 1 (0.95 means 95 %)',
      },
      {
        path: '/spec/analysis/alpha',
        message: 'must be a fraction above 0 and at most 0.2 (0.01 means 1 %)',
      },
      {
        path: '/spec/analysis/minErrorIncrease',
        message: 'must be a fraction above 0 and at most 0.5 (0.02 means 2 %)',
      },
      {
        path: '/spec/analysis/minLatencyShift',
        message: 'must be a duration such as 30s, 2m or 500ms',
      },
    ]);
  });

  it("takes the baseline comparison's settings from the manifest", () => {
    const result = validateAppManifest(
      withSpec({ analysis: { alpha: 0.05, minErrorIncrease: 0.01, minLatencyShift: '40ms' } }),
    );
    expect(result.ok && result.value.analysis).toMatchObject({
      baseline: true,
      alpha: 0.05,
      minErrorIncrease: 0.01,
      minLatencyShiftMs: 40,
    });
    const defaults = validateAppManifest(base);
    expect(defaults.ok && defaults.value.analysis).toMatchObject({
      alpha: 0.01,
      minErrorIncrease: 0.02,
      minLatencyShiftMs: 25,
    });
  });

  it('reads what a threshold the stable version fails too means, for all or per metric', () => {
    const every = (policy: string) =>
      Object.fromEntries(
        ['successRate', 'errorRate', 'latencyP50', 'latencyP90', 'latencyP99', 'requestRate'].map(
          (m) => [m, policy],
        ),
      );
    const cases: [unknown, Record<string, string>][] = [
      [undefined, every('pause')],
      ['baselineOnly', every('baselineOnly')],
      ['fail', every('fail')],
      [
        { latencyP99: 'baselineOnly', errorRate: 'fail' },
        { ...every('pause'), latencyP99: 'baselineOnly', errorRate: 'fail' },
      ],
    ];
    for (const [given, expected] of cases) {
      const analysis = given === undefined ? {} : { whenStableFailsToo: given };
      const result = validateAppManifest(withSpec({ analysis }));
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(result.value.analysis.whenStableFailsToo).toEqual(expected);
      // Written back in the shortest form that reads the same.
      const again = validateAppManifest(appManifest(result.value));
      expect(again.ok && again.value.analysis.whenStableFailsToo).toEqual(expected);
    }
    const defaults = validateAppManifest(base);
    if (!defaults.ok) throw new Error(JSON.stringify(defaults.problems));
    expect(appManifest(defaults.value)).toMatchObject({
      spec: { analysis: { whenStableFailsToo: 'pause' } },
    });
  });

  it('refuses an unknown policy, an unknown metric, and baselineOnly without a baseline', () => {
    const problems = (analysis: Record<string, unknown>) => {
      const result = validateAppManifest(withSpec({ analysis }));
      return result.ok ? [] : result.problems.map((p) => p.path);
    };
    expect(problems({ whenStableFailsToo: 'ignore' })).toContain(
      '/spec/analysis/whenStableFailsToo',
    );
    expect(problems({ whenStableFailsToo: { latency: 'pause' } })).toContain(
      '/spec/analysis/whenStableFailsToo',
    );
    const result = validateAppManifest(
      withSpec({
        analysis: { baseline: false, whenStableFailsToo: { latencyP99: 'baselineOnly' } },
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.ok ? null : result.problems).toContainEqual({
      path: '/spec/analysis/whenStableFailsToo',
      message: 'baselineOnly leaves the verdict to the comparison, which baseline: false turns off',
    });
  });

  it('refuses what relates badly across fields', () => {
    const result = validateAppManifest(
      withSpec({
        instances: 2,
        readiness: { type: 'http', path: '/healthz', port: 9000 },
        strategy: { type: 'ROLLING', rolling: { batchSize: 3 }, blueGreen: { switch: [50, 80] } },
        hooks: { preRollout: {} },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        {
          path: '/spec/strategy/rolling/batchSize',
          message: 'must be at most the 2 instance(s) of the app',
        },
        { path: '/spec/strategy/blueGreen/switch', message: 'must end at 100' },
        {
          path: '/spec/readiness/port',
          message: 'is chosen by Codedance for each version; leave it out',
        },
        { path: '/spec/hooks/preRollout', message: 'needs a command or a url' },
      ]),
    );
  });

  it('gives back a manifest that validates to the same app', () => {
    const first = validateAppManifest(
      withSpec({
        instances: 3,
        strategy: { type: 'BLUE_GREEN', blueGreen: { switch: [50, 100], observe: '2m' } },
        analysis: { latencyP90: '150ms', requestRate: 5 },
        hooks: { confirmPromotion: true, webhook: 'https://hooks.example.com/x' },
      }),
    );
    if (!first.ok) throw new Error(JSON.stringify(first.problems));
    const again = validateAppManifest(appManifest(first.value));
    if (!again.ok) throw new Error(JSON.stringify(again.problems));
    expect(again.value).toEqual({
      ...first.value,
      strategy: {
        ...first.value.strategy,
        canary: { ...first.value.strategy.canary, preset: null },
      },
    });
  });
});
