import { Time } from '../../ui/Time';
import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import type { BatchResult, Task } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Card, PageHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { duration } from '../../ui/format';
import { Icon } from '../../ui/Icon';
import { ScrollArea } from '../../ui/ScrollArea';
import { Empty, ErrorMessage, QueryView } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { ListFilterBar } from '../../paging/ListFilterBar';
import { Pager } from '../../paging/Pager';
import { usePagedList } from '../../paging/usePagedList';
import { useBatchAction, useTasks, type BatchAction } from './queries';

/** The statuses a task can be listed by (seed 004's). */
const TASK_STATUSES = ['IDLE', 'RUNNING', 'SUCCESS', 'FAILED', 'EXCEPTION', 'DISABLED'] as const;
import { TaskForm } from './TaskForm';
import { TaskRowActions } from './TaskRowActions';

/** How a task is scheduled, for people: "every 5 min", "cron 0 30 2 * * * (Asia/Shanghai)", "on demand". */
export function scheduleText(
  task: Task,
  t: (
    key: 'tasks.schedule.interval' | 'tasks.schedule.cron' | 'tasks.schedule.none',
    params?: Record<string, string | number>,
  ) => string,
): string {
  if (task.cron)
    return t('tasks.schedule.cron', {
      cron: task.cron + (task.timezone ? ` (${task.timezone})` : ''),
    });
  if (task.interval_minutes !== undefined)
    return t('tasks.schedule.interval', { minutes: task.interval_minutes });
  return t('tasks.schedule.none');
}

function BatchBar({ selected, onDone }: { selected: string[]; onDone: () => void }) {
  const { t } = useI18n();
  const batch = useBatchAction();
  const [asking, setAsking] = useState<BatchAction | null>(null);
  const [result, setResult] = useState<BatchResult | null>(null);
  const failures = result?.results.filter((r) => !r.ok) ?? [];
  return (
    <div
      className="mb-3 flex flex-wrap items-center gap-2 rounded-md bg-blue-50 px-3 py-2 text-sm dark:bg-blue-950/60"
      role="region"
      aria-label={t('tasks.batch.label')}
    >
      <span>{t('tasks.batch.selected', { count: selected.length })}</span>
      {(['run', 'stop', 'delete'] as const).map((action) => (
        <Button
          key={action}
          size="sm"
          variant={action === 'run' ? 'primary' : 'danger'}
          disabled={selected.length === 0 || batch.isPending}
          onClick={() => {
            setAsking(action);
          }}
        >
          {t(`tasks.batch.${action}`)}
        </Button>
      ))}
      {failures.length > 0 && (
        <ul className="w-full text-xs text-red-800 dark:text-red-300" role="alert">
          {failures.map((f) => (
            <li key={f.id}>
              {f.id}: {'error' in f ? f.error.message : ''}
            </li>
          ))}
        </ul>
      )}
      {batch.isError && <ErrorMessage error={batch.error} />}
      {asking !== null && (
        <ConfirmDialog
          title={t(`tasks.batch.confirm.${asking}`, { count: selected.length })}
          confirmLabel={t(`tasks.batch.${asking}`)}
          danger={asking !== 'run'}
          onConfirm={async () => {
            const answer = await batch.mutateAsync({ ids: selected, action: asking });
            setResult(answer);
            onDone();
          }}
          onClose={() => {
            setAsking(null);
          }}
        >
          <p className="break-all">{selected.join(', ')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** `/tasks`: seed 004's task list with status, schedule, next and last run, and batch actions. */
export function TasksPage() {
  const { t, dateTime } = useI18n();
  const list = usePagedList();
  const query = useTasks(list.query());
  const [editing, setEditing] = useState<Task | 'new' | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const ids = useMemo(() => query.data?.tasks.map((task) => task.id) ?? [], [query.data]);
  const chosen = ids.filter((id) => selected.has(id));
  const toggle = (id: string) => {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  return (
    <>
      <PageHeader
        title={t('tasks.title')}
        subtitle={query.data ? t('tasks.total', { count: query.data.total }) : undefined}
        actions={
          <Button
            variant="primary"
            icon={<Icon name="plus" />}
            onClick={() => {
              setEditing('new');
            }}
          >
            {t('tasks.new')}
          </Button>
        }
      />
      <ListFilterBar list={list} statuses={TASK_STATUSES} />
      <QueryView
        query={query}
        isEmpty={(data) => data.tasks.length === 0 && list.page === 1}
        empty={
          <Empty
            title={t('tasks.empty')}
            action={
              <Button
                variant="primary"
                size="sm"
                onClick={() => {
                  setEditing('new');
                }}
              >
                {t('tasks.new')}
              </Button>
            }
          >
            {t('tasks.emptyHint')}
          </Empty>
        }
      >
        {(data) => (
          <Card bodyClassName="p-3 sm:p-4">
            {chosen.length > 0 && (
              <BatchBar
                selected={chosen}
                onDone={() => {
                  setSelected(new Set());
                }}
              />
            )}
            <ul className="space-y-3 md:hidden" aria-label={t('tasks.title')}>
              {data.tasks.map((task) => (
                <li
                  key={task.id}
                  className="space-y-2 rounded-md border border-slate-200 p-3 dark:border-slate-800"
                >
                  <div className="flex items-start gap-2">
                    <input
                      type="checkbox"
                      className="mt-1"
                      aria-label={t('tasks.select', { id: task.id })}
                      checked={selected.has(task.id)}
                      onChange={() => {
                        toggle(task.id);
                      }}
                    />
                    <div className="min-w-0 flex-1">
                      <Link
                        href={`/tasks/${encodeURIComponent(task.id)}`}
                        className="font-medium text-blue-700 hover:underline dark:text-blue-300"
                      >
                        {task.id}
                      </Link>
                      <p className="text-xs text-slate-600 dark:text-slate-400">
                        {scheduleText(task, t)}
                        {task.nextRunAt ? (
                          <>
                            {' · '}
                            <Time value={task.nextRunAt} />
                          </>
                        ) : (
                          ''
                        )}
                      </p>
                    </div>
                    <StatusBadge status={task.status} />
                  </div>
                  {task.lastRun && (
                    <p className="text-xs text-slate-600 tabular-nums dark:text-slate-400">
                      {t('tasks.col.lastRun')}: <Time value={task.lastRun.finishedAt} /> ·{' '}
                      {t('tasks.exit', { code: task.lastRun.exitCode ?? '—' })} ·{' '}
                      {duration(task.lastRun.durationMs)}
                    </p>
                  )}
                  <TaskRowActions
                    task={task}
                    compact
                    onEdit={() => {
                      setEditing(task);
                    }}
                  />
                </li>
              ))}
            </ul>
            <ScrollArea label={t('tasks.title')} className="hidden md:block">
              <table className="w-full min-w-[60rem] text-sm">
                <thead className="text-left text-xs text-slate-600 dark:text-slate-400">
                  <tr>
                    <th scope="col" className="w-8 px-2 py-2">
                      <input
                        type="checkbox"
                        aria-label={t('tasks.selectAll')}
                        checked={chosen.length === ids.length && ids.length > 0}
                        onChange={(event) => {
                          setSelected(event.target.checked ? new Set(ids) : new Set());
                        }}
                      />
                    </th>
                    {(['task', 'status', 'schedule', 'nextRun', 'lastRun'] as const).map((c) => (
                      <th key={c} scope="col" className="px-2 py-2 font-medium">
                        {t(`tasks.col.${c}`)}
                      </th>
                    ))}
                    <th scope="col" className="px-2 py-2 font-medium">
                      {t('tasks.col.actions')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.tasks.map((task) => (
                    <tr
                      key={task.id}
                      className="border-t border-slate-200 align-top dark:border-slate-800"
                      data-task={task.id}
                    >
                      <td className="px-2 py-2">
                        <input
                          type="checkbox"
                          aria-label={t('tasks.select', { id: task.id })}
                          checked={selected.has(task.id)}
                          onChange={() => {
                            toggle(task.id);
                          }}
                        />
                      </td>
                      <td className="px-2 py-2">
                        <Link
                          href={`/tasks/${encodeURIComponent(task.id)}`}
                          className="font-medium text-blue-700 hover:underline dark:text-blue-300"
                        >
                          {task.id}
                        </Link>
                        {task.description && (
                          <p className="max-w-64 truncate text-xs text-slate-600 dark:text-slate-400">
                            {task.description}
                          </p>
                        )}
                      </td>
                      <td className="px-2 py-2">
                        <StatusBadge status={task.status} />
                        {task.queued > 0 && (
                          <p className="text-xs text-slate-600 dark:text-slate-400">
                            {t('tasks.queued', { count: task.queued })}
                          </p>
                        )}
                      </td>
                      <td className="px-2 py-2 text-xs">{scheduleText(task, t)}</td>
                      <td className="px-2 py-2 text-xs tabular-nums">
                        <Time value={task.nextRunAt} />
                      </td>
                      <td className="px-2 py-2 text-xs">
                        {task.lastRun ? (
                          <>
                            <StatusBadge status={task.lastRun.status} />
                            <p className="mt-0.5 tabular-nums text-slate-600 dark:text-slate-400">
                              <Time value={task.lastRun.finishedAt} /> ·{' '}
                              {t('tasks.exit', { code: task.lastRun.exitCode ?? '—' })} ·{' '}
                              {duration(task.lastRun.durationMs)}
                            </p>
                          </>
                        ) : (
                          t('tasks.never')
                        )}
                      </td>
                      <td className="px-2 py-2">
                        <TaskRowActions
                          task={task}
                          compact
                          onEdit={() => {
                            setEditing(task);
                          }}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollArea>
            <Pager list={list} info={data} />
          </Card>
        )}
      </QueryView>
      {editing !== null && (
        <TaskForm
          task={editing === 'new' ? null : editing}
          onClose={() => {
            setEditing(null);
          }}
        />
      )}
    </>
  );
}
