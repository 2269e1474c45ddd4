import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  AuditExportQuery,
  AuditListQuery,
  AuditPageSchema,
  ExportFileSchema,
} from '@codedance/api';
import { CodedanceError } from '@codedance/core';
import { ErrorResponse } from '../http/index.js';
import { auditToCsv, auditView, type AuditTrail, type AuditView } from './trail.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

/** The most entries one export holds; page through `GET /api/audit` for more. */
export const MAX_AUDIT_EXPORT = 100_000;

function tenantOf(request: FastifyRequest): string {
  if (request.principal === null) throw new CodedanceError('CD_UNAUTHENTICATED');
  return request.principal.tenant;
}

function whereOf(query: Static<typeof AuditExportQuery>) {
  return { actorId: query.actor, method: query.method, result: query.result };
}

/** The caller's tenant's audit trail: paged, filtered, exported. */
export function auditRoutes(app: FastifyInstance, options: { trail: AuditTrail }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { trail } = options;
  const tags = ['audit'];

  api.get(
    '/api/audit',
    {
      schema: {
        tags,
        summary: 'Who changed what, newest first',
        querystring: AuditListQuery,
        response: {
          200: AuditPageSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      const { limit, cursor, order, ...rest } = request.query;
      const page = await trail.list(tenantOf(request), {
        limit: limit ?? 50,
        ...(cursor === undefined ? {} : { cursor }),
        ...(order === undefined ? {} : { order }),
        where: whereOf(rest),
      });
      return { entries: page.items.map(auditView), nextCursor: page.nextCursor };
    },
  );

  api.get(
    '/api/audit/export',
    {
      schema: {
        tags,
        summary: 'The audit trail as a CSV or JSON file, with the same filters as the list',
        querystring: AuditExportQuery,
        produces: ['application/json', 'text/csv'],
        response: {
          200: ExportFileSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const entries: AuditView[] = [];
      let cursor: string | undefined;
      do {
        const page = await trail.list(tenant, {
          limit: 1000,
          order: request.query.order ?? 'desc',
          where: whereOf(request.query),
          ...(cursor === undefined ? {} : { cursor }),
        });
        entries.push(...page.items.map(auditView));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && entries.length < MAX_AUDIT_EXPORT);
      const kept = entries.slice(0, MAX_AUDIT_EXPORT);
      const csv = request.query.format === 'csv';
      void reply
        .type(csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="codedance-audit.${csv ? 'csv' : 'json'}"`,
        );
      return csv ? auditToCsv(kept) : JSON.stringify(kept, null, 2);
    },
  );
}
