import { Link, useParams } from 'wouter';
import { useI18n } from '../../i18n/I18nProvider';
import { PageHeader } from '../../ui/Card';
import { QueryView } from '../../ui/states';
import { useDeployment } from './queries';
import { ReleaseDetail } from './ReleaseDetail';

/** `/deployments/:id`: one release. */
export function DeploymentPage() {
  const { t } = useI18n();
  const { id } = useParams<{ id: string }>();
  const query = useDeployment(id);
  return (
    <>
      <nav aria-label={t('nav.breadcrumb')} className="mb-2 text-sm">
        <Link href="/deployments" className="text-blue-700 hover:underline dark:text-blue-300">
          ← {t('deployments.title')}
        </Link>
      </nav>
      <PageHeader title={t('release.title', { id })} />
      <QueryView query={query} notAvailable={t('deployments.unavailable')}>
        {(deployment) => <ReleaseDetail deployment={deployment} />}
      </QueryView>
    </>
  );
}
