import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PRINCIPAL_KINDS, ROLES } from '@codedance/core';
import { ErrorResponse } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import { AUDIT_RESULTS, auditToCsv, auditView, type AuditTrail, type AuditView } from './trail.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actorKind: Type.Enum([...PRINCIPAL_KINDS]),
  actorId: Type.String(),
  role: Type.Enum([...ROLES]),
  action: Type.String({ description: 'Method and route pattern, e.g. POST /api/tasks/:id/run.' }),
  method: Type.String(),
  path: Type.String(),
  summary: Type.Union([Type.String(), Type.Null()]),
  address: Type.String(),
  status: Type.Integer(),
  result: Type.Enum([...AUDIT_RESULTS]),
});

const Filters = {
  actor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, description: 'Only this actor id.' }),
  ),
  method: Type.Optional(Type.Enum(['POST', 'PUT', 'PATCH', 'DELETE'])),
  result: Type.Optional(Type.Enum([...AUDIT_RESULTS])),
  order: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc')])),
};

const ListQuery = Type.Object(
  {
    ...Filters,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

const ExportQuery = Type.Object(
  { ...Filters, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
  { additionalProperties: false },
);

/** The most entries one export holds; page through `GET /api/audit` for more. */
export const MAX_AUDIT_EXPORT = 100_000;

function whereOf(query: Static<typeof ExportQuery>) {
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
        querystring: ListQuery,
        response: {
          200: Type.Object({
            entries: Type.Array(AuditEntrySchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
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
        querystring: ExportQuery,
        produces: ['application/json', 'text/csv'],
        response: {
          200: Type.String({ description: 'The file: a JSON list of entries, or CSV.' }),
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
