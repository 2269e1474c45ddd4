import { useState } from 'react';
import type { Service } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/states';
import { useDeleteService, useServiceAction, type ServiceAction } from './queries';

type Asking = Exclude<ServiceAction, 'start'> | 'delete';

/** Start, restart, stop, edit and delete; all but start and edit ask first. */
export function ServiceActions({
  service,
  onEdit,
  onDeleted,
}: {
  service: Service;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const { t } = useI18n();
  // A version a release runs is stopped or deleted only after the warning below, so forced.
  const managed = service.release ?? null;
  const action = useServiceAction(service.name, managed !== null);
  const remove = useDeleteService(service.name, managed !== null);
  const [asking, setAsking] = useState<Asking | null>(null);
  const busy = action.isPending || remove.isPending;
  return (
    <div className="flex flex-wrap gap-2">
      {(['start', 'restart', 'stop'] as const).map((verb) => (
        <Button
          key={verb}
          size="sm"
          variant={verb === 'stop' ? 'danger' : 'secondary'}
          busy={action.isPending && action.variables === verb}
          disabled={busy || (verb === 'start' && service.status === 'ONLINE')}
          onClick={() => {
            if (verb === 'start') action.mutate(verb);
            else setAsking(verb);
          }}
        >
          {t(`services.action.${verb}`)}
        </Button>
      ))}
      <Button size="sm" disabled={busy} onClick={onEdit}>
        {t('services.action.edit')}
      </Button>
      <Button
        size="sm"
        variant="danger"
        disabled={busy}
        onClick={() => {
          setAsking('delete');
        }}
      >
        {t('services.action.delete')}
      </Button>
      {action.isError && asking === null && <ErrorMessage error={action.error} />}
      {asking !== null && (
        <ConfirmDialog
          title={t(`services.confirm.${asking}`, { name: service.name })}
          confirmLabel={t(`services.action.${asking}`)}
          danger={asking !== 'restart'}
          onConfirm={async () => {
            if (asking !== 'delete') {
              await action.mutateAsync(asking);
              return;
            }
            await remove.mutateAsync();
            onDeleted();
          }}
          onClose={() => {
            setAsking(null);
          }}
        >
          {managed !== null && asking !== 'restart' && (
            <p
              role="alert"
              className="mb-2 rounded border border-amber-400 bg-amber-50 p-2 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
            >
              {t(`services.release.warning.${managed.role}`, {
                app: `${managed.namespace}/${managed.app}`,
                version: managed.version,
                deployment: managed.deployment ?? '',
              })}
            </p>
          )}
          <p>{t(`services.confirmBody.${asking}`, { count: service.instances.length })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
