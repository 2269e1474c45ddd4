import { useState } from 'react';
import type { Deployment, DeploymentAction, DeploymentStatus } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { useDeploymentAction } from './queries';

/**
 * What a person may do to a release in each status, as the controller allows
 * it: a release that is still moving is aborted (its traffic goes back to the
 * stable version); only a completed one is rolled back.
 */
export function actionsFor(status: DeploymentStatus): DeploymentAction[] {
  switch (status) {
    case 'PENDING':
      return ['abort'];
    case 'RUNNING':
      return ['pause', 'promote', 'abort'];
    case 'PAUSED':
      return ['resume', 'promote', 'abort'];
    case 'COMPLETED':
      return ['rollback'];
    case 'FAILED':
    case 'ROLLED_BACK':
      return ['retry'];
  }
}

const DANGEROUS: readonly DeploymentAction[] = ['abort', 'rollback'];

/**
 * The release's buttons. Each asks first; the dialog stays busy until the
 * server answers, and what the screen then shows is the record the server
 * answered with (and, after that, what its events push), never a guess.
 */
export function ReleaseActions({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const mutation = useDeploymentAction(deployment.id);
  const [asking, setAsking] = useState<DeploymentAction | null>(null);
  const requested = deployment.requested ?? null;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {actionsFor(deployment.status).map((action) => (
        <Button
          key={action}
          size="sm"
          variant={
            DANGEROUS.includes(action) ? 'danger' : action === 'promote' ? 'primary' : 'secondary'
          }
          busy={mutation.isPending && mutation.variables === action}
          disabled={mutation.isPending || requested !== null}
          onClick={() => {
            setAsking(action);
          }}
        >
          {t(`release.action.${action}`)}
        </Button>
      ))}
      {requested !== null && (
        <span role="status" className="text-xs text-slate-600 dark:text-slate-400">
          {t('release.action.requested', { action: t(`release.action.${requested.action}`) })}
        </span>
      )}
      {asking !== null && (
        <ConfirmDialog
          title={t(`release.confirm.${asking}.title`, {
            app: deployment.app,
            version: deployment.version,
          })}
          confirmLabel={t(`release.action.${asking}`)}
          danger={DANGEROUS.includes(asking)}
          onConfirm={() => mutation.mutateAsync(asking)}
          onClose={() => {
            setAsking(null);
          }}
        >
          <p>
            {t(`release.confirm.${asking}.body`, {
              environment: deployment.environment,
              previous: deployment.previousVersion ?? '—',
            })}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
