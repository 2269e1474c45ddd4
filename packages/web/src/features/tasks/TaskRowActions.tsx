import { useState } from 'react';
import type { Task } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/states';
import { useTaskAction, type TaskAction } from './queries';

/** Run now, enable/disable, restart, stop and delete; stopping and deleting ask first. */
export function TaskRowActions({
  task,
  onEdit,
  onDeleted,
  compact = false,
}: {
  task: Task;
  onEdit: () => void;
  onDeleted?: () => void;
  compact?: boolean;
}) {
  const { t } = useI18n();
  const action = useTaskAction();
  const [asking, setAsking] = useState<'stop' | 'delete' | 'restart' | null>(null);
  const busy = (a: TaskAction) => action.isPending && action.variables.action === a;
  const act = (a: TaskAction) => {
    action.mutate({ id: task.id, action: a });
  };
  return (
    <div className="flex flex-wrap items-center gap-1.5">
      <Button
        size="sm"
        variant="primary"
        busy={busy('run')}
        disabled={action.isPending}
        onClick={() => {
          act('run');
        }}
      >
        {t('tasks.action.run')}
        <span className="sr-only"> {task.id}</span>
      </Button>
      <Button
        size="sm"
        busy={busy('toggle')}
        disabled={action.isPending}
        onClick={() => {
          act('toggle');
        }}
      >
        {task.enabled === false ? t('tasks.action.enable') : t('tasks.action.disable')}
        <span className="sr-only"> {task.id}</span>
      </Button>
      <Button size="sm" disabled={action.isPending} onClick={onEdit}>
        {t('tasks.action.edit')}
        <span className="sr-only"> {task.id}</span>
      </Button>
      {!compact && (
        <Button
          size="sm"
          disabled={action.isPending}
          onClick={() => {
            setAsking('restart');
          }}
        >
          {t('tasks.action.restart')}
        </Button>
      )}
      {task.running > 0 && (
        <Button
          size="sm"
          variant="danger"
          disabled={action.isPending}
          onClick={() => {
            setAsking('stop');
          }}
        >
          {t('tasks.action.stop')}
          <span className="sr-only"> {task.id}</span>
        </Button>
      )}
      <Button
        size="sm"
        variant="ghost"
        disabled={action.isPending}
        onClick={() => {
          setAsking('delete');
        }}
      >
        {t('tasks.action.delete')}
        <span className="sr-only"> {task.id}</span>
      </Button>
      {action.isError && asking === null && <ErrorMessage error={action.error} />}
      {asking !== null && (
        <ConfirmDialog
          title={t(`tasks.confirm.${asking}`, { id: task.id })}
          confirmLabel={t(`tasks.action.${asking}`)}
          danger={asking !== 'restart'}
          onConfirm={async () => {
            await action.mutateAsync({ id: task.id, action: asking });
            if (asking === 'delete') onDeleted?.();
          }}
          onClose={() => {
            setAsking(null);
          }}
        >
          <p>{t(`tasks.confirmBody.${asking}`)}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
