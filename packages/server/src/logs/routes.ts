import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ClearLogsBody,
  ClearLogsSchema,
  ErrorResponse,
  LogPageSchema,
  LogsQuery,
} from '@codedance/api';
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
        querystring: LogsQuery,
        response: { 200: LogPageSchema, '4xx': ErrorResponse },
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
        entries,
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
        body: ClearLogsBody,
        response: { 200: ClearLogsSchema, '4xx': ErrorResponse },
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
