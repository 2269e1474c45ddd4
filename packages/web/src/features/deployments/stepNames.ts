import type { Deployment, DeploymentStep } from '../../api/types';
import type { Translate } from '../../i18n/I18nProvider';
import { sideWord } from './sides';

/**
 * A step's name in the reader's language, from what the step does (its kind, weight and the
 * versions of the release), as the server names it in English. A step this dashboard does not
 * know keeps the server's name.
 */
export function stepLabel(
  step: DeploymentStep,
  index: number,
  deployment: Pick<Deployment, 'deploymentType' | 'version' | 'previousVersion' | 'progress'>,
  t: Translate,
): string {
  const blueGreen = deployment.deploymentType === 'BLUE_GREEN';
  switch (step.kind) {
    case 'check':
      return t('step.check');
    case 'start':
      return blueGreen && deployment.previousVersion !== null
        ? t('step.startSide', { side: sideWord(deployment, 'new', t), version: deployment.version })
        : t('step.start', { version: deployment.version });
    case 'health':
      return t('step.health');
    case 'test':
      return t('step.test');
    case 'gate':
      return t('step.gate');
    case 'observe':
      return t('step.observe');
    case 'retire':
      return t('step.retire', { version: deployment.previousVersion ?? '' });
    case 'traffic': {
      if (step.weight === undefined) return step.name;
      if (blueGreen && deployment.previousVersion !== null)
        return t('step.switch', { weight: step.weight });
      return step.weight === 100 ? t('step.full') : t('step.traffic', { weight: step.weight });
    }
    case 'batch': {
      const batches = deployment.progress.steps.filter((s) => s.kind === 'batch');
      const n = deployment.progress.steps.slice(0, index + 1).filter((s) => s.kind === 'batch');
      return t('step.batch', { n: n.length, total: batches.length });
    }
    default:
      return step.name;
  }
}
