import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, LogLevelSchema, RunIdSchema, TaskIdSchema } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import type { LogHub } from './index.js';
import { tenantEntry, tenantFilter } from './tenant-view.js';

/** Seed 004's `GET /api/logs` and `POST /api/settings/clear-logs`, over every workload's log. */
export function logRoutes(app: FastifyInstance, options: { hub: () => LogHub }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/logs',
    {
      schema: {
        tags: ['logs'],
        summary: 'Workload log lines, newest first, with filters',
        querystring: Type.Object(
          {
            task: Type.Optional(TaskIdSchema),
            // Deliberately the wider task-id pattern, not SERVICE_NAME_PATTERN: a filter
            // for a name no service can have matches nothing instead of failing.
            service: Type.Optional(TaskIdSchema),
            run: Type.Optional(RunIdSchema),
            instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
            level: Type.Optional(LogLevelSchema),
            since: Type.Optional(Type.String({ format: 'date-time' })),
            until: Type.Optional(Type.String({ format: 'date-time' })),
            text: Type.Optional(Type.String({ maxLength: 500 })),
            before: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entries: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            nextBefore: Type.Union([Type.Integer(), Type.Null()]),
          }),
          '4xx': ErrorResponse,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const source =
        q.task !== undefined
          ? { kind: 'task' as const, id: q.task }
          : q.service !== undefined
            ? { kind: 'service' as const, id: q.service }
            : {};
      const limit = q.limit ?? 200;
      const tenant = tenantOf(request);
      const found = await options.hub().query({
        ...tenantFilter(tenant, source),
        ...(q.run === undefined ? {} : { run: q.run }),
        ...(q.instance === undefined ? {} : { instance: q.instance }),
        ...(q.level === undefined ? {} : { level: q.level }),
        ...(q.since === undefined ? {} : { since: new Date(q.since) }),
        ...(q.until === undefined ? {} : { until: new Date(q.until) }),
        ...(q.text === undefined ? {} : { text: q.text }),
        ...(q.before === undefined ? {} : { before: q.before }),
        limit,
      });
      const entries = found.map(tenantEntry);
      const last = entries[entries.length - 1];
      return {
        entries: entries as unknown as Record<string, unknown>[],
        nextBefore: entries.length === limit && last ? last.seq : null,
      };
    },
  );

  api.post(
    '/api/settings/clear-logs',
    {
      schema: {
        tags: ['logs'],
        summary: 'Delete workload logs: all of them, or one task or service',
        body: Type.Object(
          {
            kind: Type.Optional(Type.Union([Type.Literal('task'), Type.Literal('service')])),
            id: Type.Optional(TaskIdSchema),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ removedEntries: Type.Integer() }), '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const { kind, id } = request.body;
      const result = await options.hub().clear(
        tenantFilter(tenantOf(request), {
          ...(kind === undefined ? {} : { kind }),
          ...(id === undefined ? {} : { id }),
        }),
      );
      request.log.info({ kind, id, removed: result.removedEntries }, 'workload logs cleared');
      return result;
    },
  );
}
