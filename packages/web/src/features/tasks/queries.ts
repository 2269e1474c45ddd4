import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client';
import type {
  BatchResult,
  Task,
  TaskDetail,
  TaskRun,
  TaskSpec,
  TriggerResult,
} from '../../api/types';

/**
 * One page of tasks, filtered and paged by the server (`query`: status, q,
 * cursor). Task status is pushed (task.* events); the list is never polled.
 */
export function useTasks(query: Record<string, string | null> = {}) {
  return useQuery({
    queryKey: ['tasks', query],
    queryFn: ({ signal }) =>
      api<{ tasks: Task[]; total: number; nextCursor: string | null }>(
        withQuery('/api/tasks', query),
        { signal },
      ),
    placeholderData: (previous) => previous,
  });
}

export function useTask(id: string) {
  return useQuery({
    queryKey: ['task', id],
    queryFn: ({ signal }) => api<TaskDetail>(`/api/tasks/${encodeURIComponent(id)}`, { signal }),
  });
}

export function useTaskRuns(id: string) {
  return useQuery({
    queryKey: ['task', id, 'runs'],
    queryFn: ({ signal }) =>
      api<{ items: TaskRun[]; nextCursor: string | null }>(
        withQuery(`/api/tasks/${encodeURIComponent(id)}/runs`, { limit: 50 }),
        { signal },
      ),
  });
}

function useInvalidateTasks() {
  const client = useQueryClient();
  return (id?: string) => {
    void client.invalidateQueries({ queryKey: ['tasks'] });
    if (id !== undefined) void client.invalidateQueries({ queryKey: ['task', id] });
  };
}

/** Creates a task, or replaces one (refused if someone changed it since `version`). */
export function useSaveTask() {
  const invalidate = useInvalidateTasks();
  return useMutation({
    mutationFn: ({ spec, version }: { spec: TaskSpec; version: number | null }) =>
      version === null
        ? api<Task>('/api/tasks', { method: 'POST', body: spec })
        : api<Task>(`/api/tasks/${encodeURIComponent(spec.id)}`, {
            method: 'PUT',
            body: spec,
            headers: { 'if-match': `"${version}"` },
          }),
    onSuccess: (task) => {
      invalidate(task.id);
    },
  });
}

export type TaskAction = 'run' | 'toggle' | 'restart' | 'stop' | 'delete';

export function useTaskAction() {
  const invalidate = useInvalidateTasks();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: TaskAction }) => {
      const path = `/api/tasks/${encodeURIComponent(id)}`;
      if (action === 'delete') return api<undefined>(path, { method: 'DELETE' });
      return api<TriggerResult | Task>(`${path}/${action}`, { method: 'POST' });
    },
    onSettled: (_data, _error, { id }) => {
      invalidate(id);
    },
  });
}

export type BatchAction = 'run' | 'stop' | 'delete';

export function useBatchAction() {
  const invalidate = useInvalidateTasks();
  return useMutation({
    mutationFn: ({ ids, action }: { ids: string[]; action: BatchAction }) =>
      api<BatchResult>(`/api/tasks/batch/${action}`, { method: 'POST', body: { ids } }),
    onSettled: () => {
      invalidate();
    },
  });
}
