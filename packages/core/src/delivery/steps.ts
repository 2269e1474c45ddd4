import type { AppSpec, DeploymentType } from './manifest.js';
import type { DeploymentStep } from './record.js';

function pending(step: Omit<DeploymentStep, 'status'>): DeploymentStep {
  return { ...step, status: 'PENDING' };
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms / 100) / 10;
}

/**
 * The explicit steps of a release of `version` over `previous` (null for the first release,
 * which starts the version and sends it all traffic). Presets are already expanded in the app,
 * so the record shows every weight and pause.
 */
export function planSteps(
  app: AppSpec,
  type: DeploymentType,
  version: string,
  previous: string | null,
): DeploymentStep[] {
  const steps: DeploymentStep[] = [];
  const { hooks, analysis } = app;
  const analyse = analysis.enabled && previous !== null;
  if (hooks.preRollout !== null || (type === 'BLUE_GREEN' && previous !== null)) {
    steps.push(pending({ name: 'Pre-deploy check', kind: 'check' }));
  }
  if (previous === null) {
    steps.push(pending({ name: `Start ${version}`, kind: 'start' }));
    steps.push(pending({ name: 'Full traffic', kind: 'traffic', weight: 100, pauseSeconds: 0 }));
    return steps;
  }
  const gate = () => {
    if (hooks.confirmPromotion) {
      steps.push(pending({ name: 'Confirm promotion', kind: 'gate', pauseSeconds: null }));
    }
  };
  switch (type) {
    case 'CANARY': {
      steps.push(pending({ name: `Start ${version}`, kind: 'start' }));
      for (const step of app.strategy.canary.steps.filter((s) => s.weight < 100)) {
        steps.push(
          pending({
            name: `Traffic ${step.weight}%`,
            kind: 'traffic',
            weight: step.weight,
            pauseSeconds: seconds(step.pauseMs),
            analysis: analyse && step.analysis,
          }),
        );
      }
      gate();
      const last = app.strategy.canary.steps.at(-1);
      const finalPause = last?.weight === 100 ? seconds(last.pauseMs) : 0;
      steps.push(
        pending({
          name: 'Full traffic',
          kind: 'traffic',
          weight: 100,
          pauseSeconds: finalPause,
          analysis: analyse && last?.weight === 100 && last.analysis,
        }),
      );
      break;
    }
    case 'BLUE_GREEN': {
      steps.push(pending({ name: `Start green (${version})`, kind: 'start' }));
      steps.push(pending({ name: 'Health check', kind: 'health' }));
      steps.push(pending({ name: 'Test', kind: 'test' }));
      gate();
      const switches = app.strategy.blueGreen.switch;
      switches.forEach((weight, index) => {
        const partial = index < switches.length - 1;
        steps.push(
          pending({
            name: `Switch ${weight}%`,
            kind: 'traffic',
            weight,
            pauseSeconds: partial ? seconds(analysis.intervalMs) : 0,
            analysis: analyse && partial,
          }),
        );
      });
      steps.push(
        pending({
          name: 'Observe',
          kind: 'observe',
          weight: 100,
          pauseSeconds: seconds(app.strategy.blueGreen.observeMs),
          analysis: analysis.enabled,
        }),
      );
      break;
    }
    case 'ROLLING': {
      const total = app.instances;
      const batch = Math.min(app.strategy.rolling.batchSize, total);
      const batches = Math.ceil(total / batch);
      for (let k = 1; k <= batches; k += 1) {
        const canary = Math.min(total, k * batch);
        const last = k === batches;
        if (last) gate();
        steps.push(
          pending({
            name: `Batch ${k} of ${batches}`,
            kind: 'batch',
            weight: Math.round((100 * canary) / total),
            instances: { canary, stable: total - canary },
            pauseSeconds: last ? 0 : seconds(app.strategy.rolling.pauseMs),
            analysis: analyse && !last,
          }),
        );
      }
      break;
    }
    case 'ALL_AT_ONCE': {
      steps.push(pending({ name: `Start ${version}`, kind: 'start' }));
      gate();
      steps.push(pending({ name: 'Full traffic', kind: 'traffic', weight: 100, pauseSeconds: 0 }));
      break;
    }
  }
  steps.push(pending({ name: `Retire ${previous}`, kind: 'retire' }));
  return steps;
}
