import { describe, expect, it } from 'vitest';
import { validateAppManifest, type AppSpec } from './manifest.js';
import { planSteps } from './steps.js';

function app(spec: Record<string, unknown> = {}): AppSpec {
  const result = validateAppManifest({
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop' },
    spec: { port: 8080, instances: 3, run: { command: 'node' }, ...spec },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

const names = (steps: { name: string }[]) => steps.map((s) => s.name);

describe('planSteps', () => {
  it('starts a first release and sends it all traffic, whatever the strategy', () => {
    expect(names(planSteps(app(), 'CANARY', 'v1', null))).toEqual(['Start v1', 'Full traffic']);
  });

  it('expands a canary into weighted, analysed steps', () => {
    const steps = planSteps(app(), 'CANARY', 'v2', 'v1');
    expect(names(steps)).toEqual([
      'Start v2',
      'Traffic 20%',
      'Traffic 40%',
      'Traffic 60%',
      'Traffic 80%',
      'Full traffic',
      'Retire v1',
    ]);
    expect(steps[1]).toMatchObject({
      kind: 'traffic',
      weight: 20,
      pauseSeconds: 30,
      analysis: true,
      status: 'PENDING',
    });
    expect(steps[5]).toMatchObject({ weight: 100, pauseSeconds: 0, analysis: false });
  });

  it('ends at once with a last step at 100 % without a pause; with one, it watches full traffic', () => {
    const plain = planSteps(
      app({ strategy: { canary: { steps: [{ weight: 10 }, { weight: 100 }] } } }),
      'CANARY',
      'v2',
      'v1',
    );
    expect(plain.at(-2)).toMatchObject({ name: 'Full traffic', pauseSeconds: 0, analysis: false });
    const watched = planSteps(
      app({ strategy: { canary: { steps: [{ weight: 10 }, { weight: 100, pause: '2m' }] } } }),
      'CANARY',
      'v2',
      'v1',
    );
    expect(watched.at(-2)).toMatchObject({ pauseSeconds: 120, analysis: true });
  });

  it('puts the confirmation gate before full traffic, and the pre-rollout check first', () => {
    const steps = planSteps(
      app({ hooks: { confirmPromotion: true, preRollout: { command: ['true'] } } }),
      'ALL_AT_ONCE',
      'v2',
      'v1',
    );
    expect(names(steps)).toEqual([
      'Pre-deploy check',
      'Start v2',
      'Confirm promotion',
      'Full traffic',
      'Retire v1',
    ]);
  });

  it("follows seed 003's blue-green sequence", () => {
    const steps = planSteps(
      app({ strategy: { type: 'BLUE_GREEN', blueGreen: { switch: [50, 100] } } }),
      'BLUE_GREEN',
      'v2',
      'v1',
    );
    expect(names(steps)).toEqual([
      'Pre-deploy check',
      'Start green (v2)',
      'Health check',
      'Test',
      'Switch 50%',
      'Switch 100%',
      'Observe',
      'Retire v1',
    ]);
  });

  it('replaces instances batch by batch when rolling', () => {
    const steps = planSteps(
      app({ strategy: { type: 'ROLLING', rolling: { batchSize: 2 } } }),
      'ROLLING',
      'v2',
      'v1',
    );
    expect(steps.filter((s) => s.kind === 'batch').map((s) => [s.weight, s.instances])).toEqual([
      [67, { canary: 2, stable: 1 }],
      [100, { canary: 3, stable: 0 }],
    ]);
    expect(steps.at(-2)).toMatchObject({ pauseSeconds: 0, analysis: false });
  });

  it('does not analyse when analysis is off', () => {
    const steps = planSteps(app({ analysis: { enabled: false } }), 'CANARY', 'v2', 'v1');
    expect(steps.some((s) => s.analysis === true)).toBe(false);
  });
});
