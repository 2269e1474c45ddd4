import { Time } from '../../ui/Time';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import type { TaskDetail, TaskRun } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Card, Fact, PageHeader } from '../../ui/Card';
import { cx } from '../../ui/cx';
import { ScrollArea } from '../../ui/ScrollArea';
import { bytes, duration, percent } from '../../ui/format';
import { Empty, ErrorMessage, QueryView } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { LogLines } from '../logs/LogLines';
import { useLogTail } from '../logs/useLogTail';
import { useTask, useTaskRuns } from './queries';
import { TaskForm } from './TaskForm';
import { TaskRowActions } from './TaskRowActions';
import { scheduleText } from './TasksPage';

function RunLog({ task, run }: { task: string; run: TaskRun }) {
  const { t } = useI18n();
  const tail = useLogTail({ kind: 'task', id: task, run: run.run });
  return (
    <Card
      id="run-log"
      title={
        <span className="flex flex-wrap items-center gap-2">
          {t('taskPage.runLog', { run: run.run })} <StatusBadge status={run.status} />
        </span>
      }
    >
      {run.summary && (
        <p className="mb-2 text-sm text-slate-700 dark:text-slate-300">{run.summary}</p>
      )}
      {tail.error !== null ? (
        <ErrorMessage error={tail.error} />
      ) : (
        <LogLines
          entries={tail.entries}
          showSource={false}
          label={t('taskPage.runLog', { run: run.run })}
          height="h-80"
        />
      )}
    </Card>
  );
}

function Runs({ task, selected }: { task: TaskDetail; selected: string | undefined }) {
  const { t } = useI18n();
  const runs = useTaskRuns(task.id);
  return (
    <QueryView
      query={runs}
      isEmpty={(data) => data.items.length === 0}
      empty={<Empty title={t('taskPage.noRuns')}>{t('taskPage.noRunsHint')}</Empty>}
    >
      {(data) => {
        const current = data.items.find((r) => r.run === selected) ?? data.items[0];
        return (
          <div className="space-y-4">
            <Card id="run-history" title={t('taskPage.history')} bodyClassName="p-0">
              <ScrollArea label={t('taskPage.history')} className="max-h-96">
                <table className="w-full min-w-[44rem] text-sm">
                  <thead className="sticky top-0 bg-white text-left text-xs text-slate-600 dark:bg-slate-900 dark:text-slate-400">
                    <tr>
                      {(
                        [
                          'run',
                          'trigger',
                          'status',
                          'exitCode',
                          'duration',
                          'started',
                          'memory',
                        ] as const
                      ).map((c) => (
                        <th key={c} scope="col" className="px-3 py-2 font-medium">
                          {t(`taskPage.col.${c}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((run) => (
                      <tr
                        key={run.run}
                        className={cx(
                          'border-t border-slate-200 dark:border-slate-800',
                          run.run === current?.run && 'bg-blue-50 dark:bg-blue-950/50',
                        )}
                      >
                        <td className="px-3 py-1.5 font-mono text-xs">
                          <Link
                            href={`/tasks/${encodeURIComponent(task.id)}/runs/${encodeURIComponent(run.run)}`}
                            aria-current={run.run === current?.run ? 'true' : undefined}
                            className="text-blue-700 hover:underline dark:text-blue-300"
                          >
                            {run.run}
                          </Link>
                        </td>
                        <td className="px-3 py-1.5">
                          {run.trigger}
                          {run.attempt > 1 ? ` #${run.attempt}` : ''}
                        </td>
                        <td className="px-3 py-1.5">
                          <StatusBadge status={run.status} />
                        </td>
                        <td className="px-3 py-1.5 tabular-nums">
                          {run.exitCode ?? run.signal ?? '—'}
                        </td>
                        <td className="px-3 py-1.5 tabular-nums">{duration(run.durationMs)}</td>
                        <td className="px-3 py-1.5 tabular-nums">
                          <Time value={run.startedAt} />
                        </td>
                        <td className="px-3 py-1.5 tabular-nums">{bytes(run.peakRssBytes)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollArea>
            </Card>
            {current && <RunLog key={current.run} task={task.id} run={current} />}
          </div>
        );
      }}
    </QueryView>
  );
}

/** `/tasks/:id` and `/tasks/:id/runs/:run`: one task, its run history and a run's log. */
export function TaskPage() {
  const { t } = useI18n();
  const params = useParams<{ id: string; run?: string }>();
  const [, navigate] = useLocation();
  const query = useTask(params.id);
  const [editing, setEditing] = useState(false);
  return (
    <>
      <nav aria-label={t('nav.breadcrumb')} className="mb-2 text-sm">
        <Link href="/tasks" className="text-blue-700 hover:underline dark:text-blue-300">
          ← {t('tasks.title')}
        </Link>
      </nav>
      <QueryView query={query}>
        {(task) => (
          <div className="space-y-4">
            <PageHeader
              title={
                <span className="flex flex-wrap items-center gap-2">
                  {task.id} <StatusBadge status={task.status} />
                </span>
              }
              subtitle={task.description}
              actions={
                <TaskRowActions
                  task={task}
                  onEdit={() => {
                    setEditing(true);
                  }}
                  onDeleted={() => {
                    navigate('/tasks');
                  }}
                />
              }
            />
            <Card id="task-definition" title={t('taskPage.definition')}>
              <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
                <Fact className="col-span-2" label={t('taskPage.command')}>
                  <code className="font-mono text-xs">
                    {[task.execute_path, task.script_path, ...(task.args ?? [])]
                      .filter(Boolean)
                      .join(' ')}
                  </code>
                </Fact>
                <Fact label={t('taskPage.schedule')}>{scheduleText(task, t)}</Fact>
                <Fact label={t('taskPage.nextRun')}>
                  <Time value={task.nextRunAt} />
                </Fact>
                <Fact label={t('taskPage.timeout')}>
                  {task.timeout ? `${task.timeout} s` : t('taskPage.serverDefault')}
                </Fact>
                <Fact label={t('taskPage.retries')}>
                  {t('taskPage.retriesValue', {
                    count: task.retry_count ?? 0,
                    delay: task.retry_delay ?? 0,
                  })}
                </Fact>
                <Fact label={t('taskPage.cwd')}>{task.cwd ?? '—'}</Fact>
                <Fact label={t('taskPage.environment')}>
                  {Object.keys(task.environment ?? {}).join(', ') || '—'}
                </Fact>
              </dl>
              <div className="mt-4 grid gap-4 md:grid-cols-2">
                <div>
                  <h3 className="text-xs font-medium text-slate-600 dark:text-slate-400">
                    {t('taskPage.upcoming')}
                  </h3>
                  {task.upcoming.length === 0 ? (
                    <p className="text-sm">{t('tasks.schedule.none')}</p>
                  ) : (
                    <ul className="text-sm tabular-nums">
                      {task.upcoming.map((at) => (
                        <li key={at}>
                          <Time value={at} />
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
                <dl className="grid grid-cols-3 gap-3">
                  <Fact label={t('taskPage.stats.runs')}>{task.stats.runs}</Fact>
                  <Fact label={t('taskPage.stats.successRate')}>
                    {task.stats.successRate === null ? '—' : percent(task.stats.successRate * 100)}
                  </Fact>
                  <Fact label={t('taskPage.stats.meanDuration')}>
                    {duration(task.stats.meanDurationMs)}
                  </Fact>
                </dl>
              </div>
            </Card>
            <Runs task={task} selected={params.run} />
            {editing && (
              <TaskForm
                task={task}
                onClose={() => {
                  setEditing(false);
                }}
              />
            )}
          </div>
        )}
      </QueryView>
    </>
  );
}
