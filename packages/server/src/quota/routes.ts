import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ExportFileSchema, UsageExportQuery, UsageQuery, UsageSchema } from '@codedance/api';
import { CodedanceError, csvField, type UsageRollup, type UsageWindow } from '@codedance/core';
import { ErrorResponse } from '../http/index.js';
import type { UsageMeter } from './usage-meter.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

function tenantOf(request: FastifyRequest): string {
  if (request.principal === null) throw new CodedanceError('CD_UNAUTHENTICATED');
  return request.principal.tenant;
}

function rowView(row: UsageRollup) {
  return {
    resource: row.resource,
    start: new Date(row.start).toISOString(),
    amount: row.amount,
    events: row.events,
  };
}

/** The caller's tenant's metered use, per hour or day, as the API and a billing export. */
export function usageRoutes(app: FastifyInstance, options: { meter: UsageMeter }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { meter } = options;
  const tags = ['usage'];
  const rowsFor = async (
    tenant: string,
    query: { window?: UsageWindow; from?: string; to?: string; resource?: string },
  ) => {
    const { window = 'day', from, to, resource } = query;
    // This server's latest counts first, so the answer includes the calls just made.
    await meter.flush();
    const rows = await meter.report(tenant, {
      window,
      ...(from === undefined ? {} : { from: Date.parse(from) }),
      ...(to === undefined ? {} : { to: Date.parse(to) }),
      ...(resource === undefined ? {} : { resource }),
    });
    return { tenant, window, rows: rows.map(rowView) };
  };

  api.get(
    '/api/usage',
    {
      schema: {
        tags,
        summary: 'What the tenant used per UTC hour or day (API calls, …)',
        querystring: UsageQuery,
        response: { 200: UsageSchema, ...errors },
      },
    },
    (request) => rowsFor(tenantOf(request), request.query),
  );

  api.get(
    '/api/usage/export',
    {
      schema: {
        tags,
        summary: 'The same rows as a CSV or JSON file, for billing',
        querystring: UsageExportQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: ExportFileSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query;
      const answer = await rowsFor(tenantOf(request), query);
      const csv = format === 'csv';
      void reply
        .type(csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="codedance-usage-${answer.window}.${csv ? 'csv' : 'json'}"`,
        );
      if (!csv) return JSON.stringify(answer, null, 2);
      const lines = ['start,resource,amount,events'];
      for (const row of answer.rows) {
        lines.push([row.start, csvField(row.resource), row.amount, row.events].join(','));
      }
      return `${lines.join('\n')}\n`;
    },
  );
}
