import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CodedanceError } from '@codedance/core';
import {
  BatchAnswerSchema,
  RunPageSchema,
  RunParams,
  RunsQuery,
  ScheduleQuery,
  ScheduleSchema,
  StopResultSchema,
  TaskBody,
  TaskDetailSchema,
  TaskIdParams as IdParams,
  TaskIdsBody as Ids,
  TaskListQuery,
  TaskListSchema,
  TaskRunSchema,
  TaskSchema,
  TriggerResultSchema,
  errorResponses as errors,
  type BatchResult,
} from '@codedance/api';
import { expectedVersion, keyedPage, pageRequest } from '../http/index.js';
import type { TaskController } from './controller.js';

/** Seed 004's task API, as written there. */
export function taskRoutes(app: FastifyInstance, options: { tasks: () => TaskController }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tasks = options.tasks;
  const tags = ['tasks'];

  api.get(
    '/api/tasks',
    {
      schema: {
        tags,
        summary: 'Tasks by id with their status, next and last run, filtered and paged',
        querystring: TaskListQuery,
        response: { 200: TaskListSchema, ...errors },
      },
    },
    (request) => keyedPage('tasks', 'tasks', request.query, (options) => tasks().page(options)),
  );

  api.post(
    '/api/tasks',
    {
      schema: {
        tags,
        summary: 'Create a task',
        body: TaskBody,
        response: { 201: TaskSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await tasks().create(request.body);
      return reply.status(201).header('etag', `"${view.version}"`).send(view);
    },
  );

  api.get(
    '/api/tasks/:id',
    {
      schema: {
        tags,
        summary: 'One task',
        params: IdParams,
        response: { 200: TaskDetailSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = tasks().view(request.params.id);
      const stats = await tasks().stats(request.params.id);
      return reply
        .header('etag', `"${view.version}"`)
        .send({ ...view, upcoming: tasks().preview(request.params.id, 5), stats });
    },
  );

  api.put(
    '/api/tasks/:id',
    {
      schema: {
        tags,
        summary: 'Replace a task definition (If-Match: "<version>" to refuse a stale write)',
        params: IdParams,
        body: TaskBody,
        response: { 200: TaskSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await tasks().update(
        request.params.id,
        request.body,
        expectedVersion(request.headers['if-match'], 'task'),
      );
      return reply.header('etag', `"${view.version}"`).send(view);
    },
  );

  api.delete(
    '/api/tasks/:id',
    {
      schema: {
        tags,
        summary: 'Stop and delete a task and its run history',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await tasks().remove(request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/tasks/:id/run',
    {
      schema: {
        tags,
        summary: 'Run now',
        params: IdParams,
        response: { 202: TriggerResultSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await tasks().trigger(request.params.id, 'manual')),
  );
  api.post(
    '/api/tasks/:id/stop',
    {
      schema: {
        tags,
        summary: 'Stop every run of the task (SIGTERM, then SIGKILL)',
        params: IdParams,
        response: { 200: StopResultSchema, ...errors },
      },
    },
    (request) => tasks().stop(request.params.id),
  );
  api.post(
    '/api/tasks/:id/toggle',
    {
      schema: {
        tags,
        summary: 'Enable or disable the schedule',
        params: IdParams,
        response: { 200: TaskSchema, ...errors },
      },
    },
    (request) => tasks().toggle(request.params.id),
  );
  api.post(
    '/api/tasks/:id/restart',
    {
      schema: {
        tags,
        summary: 'Stop the running runs and run again',
        params: IdParams,
        response: { 202: TriggerResultSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(202).send(await tasks().restart(request.params.id)),
  );

  api.get(
    '/api/tasks/:id/runs',
    {
      schema: {
        tags,
        summary: 'Run history, newest first (order=asc for oldest first), paged',
        params: IdParams,
        querystring: RunsQuery,
        response: { 200: RunPageSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const page = pageRequest(`runs of task ${id}`, request.query, {}, 'desc');
      const found = await tasks().runs(id, {
        limit: page.limit,
        order: page.order,
        cursor: page.after,
      });
      return { items: found.items, total: found.total, nextCursor: page.seal(found.nextCursor) };
    },
  );

  api.get(
    '/api/tasks/:id/runs/:run',
    {
      schema: {
        tags,
        summary: 'One run',
        params: RunParams,
        response: { 200: TaskRunSchema, ...errors },
      },
    },
    async (request) => tasks().run(request.params.id, request.params.run),
  );

  api.get(
    '/api/tasks/:id/schedule',
    {
      schema: {
        tags,
        summary: 'The next N fire times',
        params: IdParams,
        querystring: ScheduleQuery,
        response: { 200: ScheduleSchema, ...errors },
      },
    },
    (request) => ({
      id: request.params.id,
      next: tasks().preview(request.params.id, request.query.count ?? 10),
    }),
  );

  const batchSummaries = {
    run: 'Run several tasks now; one result per id',
    stop: 'Stop several tasks; one result per id',
    delete: 'Delete several tasks; one result per id',
  } as const;
  for (const action of ['run', 'stop', 'delete'] as const) {
    api.post(
      `/api/tasks/batch/${action}`,
      {
        schema: {
          tags,
          summary: batchSummaries[action],
          body: Ids,
          response: { 200: BatchAnswerSchema, ...errors },
        },
      },
      async (request) => {
        const results: BatchResult[] = [];
        for (const id of request.body.ids) {
          try {
            if (action === 'run')
              results.push({ ok: true as const, ...(await tasks().trigger(id, 'batch')) });
            else if (action === 'stop')
              results.push({ ok: true as const, ...(await tasks().stop(id)) });
            else {
              await tasks().remove(id);
              results.push({ ok: true as const, id, deleted: true });
            }
          } catch (error) {
            const coded =
              error instanceof CodedanceError
                ? error
                : new CodedanceError('CD_INTERNAL', { cause: error });
            results.push({ ok: false as const, id, error: coded.toBody().error });
          }
        }
        return { results };
      },
    );
  }
}
