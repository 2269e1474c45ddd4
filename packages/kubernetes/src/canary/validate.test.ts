import { describe, expect, it } from 'vitest';
import { validateCanarySpec } from './validate.js';

const minimal = { targetDeployment: 'shop', canaryVersion: 'v2' };

describe('validateCanarySpec', () => {
  it('fills in the defaults the API server fills in', () => {
    const checked = validateCanarySpec(minimal);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.value.strategy).toEqual({ type: 'linear', stepPause: '30s' });
    expect(checked.value.metrics).toEqual({
      successRate: { threshold: 0.95 },
      errorRate: { threshold: 0.05 },
      latency: { p99: '200ms' },
    });
    expect(checked.value.traffic).toEqual({ provider: 'router', port: 80 });
    expect(checked.value.autoRollback).toEqual({ enabled: true, onMetricsFail: true });
  });

  it('refuses weights that do not rise, naming the step', () => {
    const checked = validateCanarySpec({
      ...minimal,
      strategy: { steps: [{ weight: 10 }, { weight: 50 }, { weight: 50 }] },
    });
    expect(checked).toEqual({
      ok: false,
      problems: [
        { path: '/strategy/steps/2/weight', message: 'must be greater than the step before (50)' },
      ],
    });
  });

  it('refuses a blue-green switch that stops short of 100 %', () => {
    const checked = validateCanarySpec({
      ...minimal,
      strategy: { type: 'blueGreen', steps: [{ weight: 50 }] },
    });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems.map((p) => p.path)).toEqual(['/strategy/steps/0/weight']);
  });

  it('refuses a hook with neither a url nor a command, and a pause that is no duration', () => {
    const checked = validateCanarySpec({
      ...minimal,
      strategy: { steps: [{ weight: 10, pause: 'soon' }] },
      hooks: { preRollout: { timeout: '1m' } },
    });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    const paths = checked.problems.map((p) => p.path);
    expect(paths).toContain('/strategy/steps/0/pause');
    expect(paths.some((p) => p.startsWith('/hooks/preRollout'))).toBe(true);
  });
});
