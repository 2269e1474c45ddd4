import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CodedanceError } from '@codedance/core';
import { expectedVersion } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import { ErrorResponse, RunIdSchema, TaskIdSchema } from '../http/index.js';
import type { TaskController } from './controller.js';

const IdParams = Type.Object({ id: TaskIdSchema }, { additionalProperties: false });
const RunParams = Type.Object(
  {
    id: TaskIdSchema,
    run: RunIdSchema,
  },
  { additionalProperties: false },
);
const Ids = Type.Object(
  {
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      minItems: 1,
      maxItems: 500,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
/** A task definition is judged by the task schema in the controller, so every problem is reported at once. */
const TaskBody = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A task definition (seed 004 fields).',
});
/** Task views carry the definition plus live status; the definition's schema is in the task schema. */
const Loose = Type.Unknown();
const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

/** Seed 004's task API, as written there. */
export function taskRoutes(
  app: FastifyInstance,
  options: { tasks: (tenant: string) => TaskController },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tasks = options.tasks;
  const tags = ['tasks'];

  api.get(
    '/api/tasks',
    {
      schema: {
        tags,
        summary: 'Every task with its status, next and last run',
        response: {
          200: Type.Object({ tasks: Type.Array(Loose), total: Type.Integer() }),
          ...errors,
        },
      },
    },
    (request) => {
      const list = tasks(tenantOf(request)).list();
      return { tasks: list, total: list.length };
    },
  );

  api.post(
    '/api/tasks',
    {
      schema: {
        tags,
        summary: 'Create a task',
        body: TaskBody,
        response: { 201: Loose, ...errors },
      },
    },
    async (request, reply) => {
      const view = await tasks(tenantOf(request)).create(request.body);
      return reply.status(201).header('etag', `"${view.version}"`).send(view);
    },
  );

  api.get(
    '/api/tasks/:id',
    {
      schema: { tags, summary: 'One task', params: IdParams, response: { 200: Loose, ...errors } },
    },
    async (request, reply) => {
      const view = tasks(tenantOf(request)).view(request.params.id);
      const stats = await tasks(tenantOf(request)).stats(request.params.id);
      return reply
        .header('etag', `"${view.version}"`)
        .send({ ...view, upcoming: tasks(tenantOf(request)).preview(request.params.id, 5), stats });
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
        response: { 200: Loose, ...errors },
      },
    },
    async (request, reply) => {
      const view = await tasks(tenantOf(request)).update(
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
      await tasks(tenantOf(request)).remove(request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/tasks/:id/run',
    { schema: { tags, summary: 'Run now', params: IdParams, response: { 202: Loose, ...errors } } },
    async (request, reply) =>
      reply.status(202).send(await tasks(tenantOf(request)).trigger(request.params.id, 'manual')),
  );
  api.post(
    '/api/tasks/:id/stop',
    {
      schema: {
        tags,
        summary: 'Stop every run of the task (SIGTERM, then SIGKILL)',
        params: IdParams,
        response: { 200: Loose, ...errors },
      },
    },
    (request) => tasks(tenantOf(request)).stop(request.params.id),
  );
  api.post(
    '/api/tasks/:id/toggle',
    {
      schema: {
        tags,
        summary: 'Enable or disable the schedule',
        params: IdParams,
        response: { 200: Loose, ...errors },
      },
    },
    (request) => tasks(tenantOf(request)).toggle(request.params.id),
  );
  api.post(
    '/api/tasks/:id/restart',
    {
      schema: {
        tags,
        summary: 'Stop the running runs and run again',
        params: IdParams,
        response: { 202: Loose, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await tasks(tenantOf(request)).restart(request.params.id)),
  );

  api.get(
    '/api/tasks/:id/runs',
    {
      schema: {
        tags,
        summary: 'Run history, newest first',
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            cursor: Type.Optional(Type.String({ maxLength: 512 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Loose),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const page = await tasks(tenantOf(request)).runs(request.params.id, {
        limit: request.query.limit ?? 50,
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
      });
      return { items: page.items, nextCursor: page.nextCursor };
    },
  );

  api.get(
    '/api/tasks/:id/runs/:run',
    {
      schema: { tags, summary: 'One run', params: RunParams, response: { 200: Loose, ...errors } },
    },
    async (request) => tasks(tenantOf(request)).run(request.params.id, request.params.run),
  );

  api.get(
    '/api/tasks/:id/schedule',
    {
      schema: {
        tags,
        summary: 'The next N fire times',
        params: IdParams,
        querystring: Type.Object(
          { count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ id: Type.String(), next: Type.Array(Type.String()) }),
          ...errors,
        },
      },
    },
    (request) => ({
      id: request.params.id,
      next: tasks(tenantOf(request)).preview(request.params.id, request.query.count ?? 10),
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
          response: { 200: Type.Object({ results: Type.Array(Loose) }), ...errors },
        },
      },
      async (request) => {
        const results: Record<string, unknown>[] = [];
        for (const id of request.body.ids) {
          try {
            if (action === 'run')
              results.push({ ok: true, ...(await tasks(tenantOf(request)).trigger(id, 'batch')) });
            else if (action === 'stop')
              results.push({ ok: true, ...(await tasks(tenantOf(request)).stop(id)) });
            else {
              await tasks(tenantOf(request)).remove(id);
              results.push({ ok: true, id, deleted: true });
            }
          } catch (error) {
            const coded =
              error instanceof CodedanceError
                ? error
                : new CodedanceError('CD_INTERNAL', { cause: error });
            results.push({ ok: false, id, error: coded.toBody().error });
          }
        }
        return { results };
      },
    );
  }
}
