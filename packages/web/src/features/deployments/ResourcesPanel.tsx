import type { Deployment, SideResource } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Fact } from '../../ui/Card';
import { StatusBadge } from '../../ui/StatusBadge';

function Side({ title, side }: { title: string; side: SideResource | null | undefined }) {
  const { t } = useI18n();
  return (
    <section
      className="rounded-md border border-slate-200 p-3 dark:border-slate-800"
      aria-label={title}
    >
      <h3 className="mb-2 text-sm font-semibold">{title}</h3>
      {side ? (
        <dl className="grid grid-cols-2 gap-2">
          <Fact label={t('release.resources.version')}>{side.version}</Fact>
          <Fact label={t('release.resources.state')}>
            <StatusBadge status={side.state} />
          </Fact>
          <Fact label={t('release.resources.instances')}>
            {t('release.resources.ready', { ready: side.ready, total: side.instances })}
          </Fact>
          <Fact label={t('release.resources.traffic')}>{`${side.traffic}%`}</Fact>
          <Fact className="col-span-2" label={t('release.resources.command')}>
            <code className="font-mono text-xs">{side.command}</code>
          </Fact>
        </dl>
      ) : (
        <p className="text-sm text-slate-600 dark:text-slate-400">{t('release.resources.none')}</p>
      )}
    </section>
  );
}

/**
 * The two sides of a release. Blue-green names them as seed 003 does (blue
 * runs the new version, green the old); the others say new and stable.
 */
export function ResourcesPanel({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const blueGreen = deployment.deploymentType === 'BLUE_GREEN';
  return (
    <div className="grid gap-3 md:grid-cols-2">
      <Side
        title={
          blueGreen
            ? t('release.resources.blue', { version: deployment.version })
            : t('release.resources.canary', { version: deployment.version })
        }
        side={deployment.resources.canary}
      />
      <Side
        title={
          blueGreen
            ? t('release.resources.green', { version: deployment.previousVersion ?? '—' })
            : t('release.resources.stable', { version: deployment.previousVersion ?? '—' })
        }
        side={deployment.resources.stable}
      />
    </div>
  );
}
