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
  const action = useServiceAction(service.name);
  const remove = useDeleteService(service.name);
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
          disabled={busy}
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
          <p>{t(`services.confirmBody.${asking}`, { count: service.instances.length })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
