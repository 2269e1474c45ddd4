import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CodedanceError,
  NotFoundError,
  type DeploymentAction,
  type DeploymentStatus,
} from '@codedance/core';
import {
  AppDetailSchema,
  AppListQuery,
  AppListSchema,
  AppParams,
  ApplyAnswerSchema,
  CanariesAnswerSchema,
  type CanariesAnswer,
  CanaryQuery,
  DeployBody,
  DeploymentActionParams as ActionParams,
  DeploymentExportSchema,
  DeploymentIdParams as IdParams,
  DeploymentPageSchema,
  DeploymentSchema,
  DeploymentsExportQuery,
  DeploymentsQuery,
  LiveMetricsSchema,
  MAX_PAGE_LIMIT,
  SeedQuery,
  errorResponses as errors,
} from '@codedance/api';
import { pageRequest, parseYamlBody, statusList } from '../http/index.js';
import { appKey, type DeploymentFilter } from './book.js';
import type { DeliveryController } from './controller.js';
import { appView, canaryResource, canaryRow, deploymentView, deploymentsToCsv } from './views.js';

const tags = ['delivery'];
const MAX_MANIFEST_BYTES = 256 * 1024;

function filterOf(query: Record<string, string | undefined>): DeploymentFilter {
  const filter: DeploymentFilter = {};
  for (const key of ['environment', 'app', 'q'] as const) {
    const value = query[key];
    if (value !== undefined) filter[key] = value;
  }
  const status = statusList<DeploymentStatus>(query.status);
  if (status !== undefined) filter.status = status;
  if (query.from !== undefined) filter.from = new Date(query.from).toISOString();
  if (query.to !== undefined) filter.to = new Date(query.to).toISOString();
  return filter;
}

/** Apps are keyed `namespace.name`: a namespace and a name prefix are one key prefix. */
function appPrefix(filters: { namespace?: string; prefix?: string }): string | undefined {
  if (filters.namespace === undefined) return filters.prefix;
  return `${filters.namespace}.${filters.prefix ?? ''}`;
}

function seedKey(query: { namespace?: string; name?: string }): {
  namespace: string;
  name: string;
} {
  const problems = [
    ...(query.namespace === undefined ? [{ path: '/namespace', message: 'is required' }] : []),
    ...(query.name === undefined ? [{ path: '/name', message: 'is required' }] : []),
  ];
  const { namespace, name } = query;
  if (namespace === undefined || name === undefined) {
    throw new CodedanceError('CD_BAD_REQUEST', {
      message: 'namespace and name are required.',
      details: { problems },
    });
  }
  return { namespace, name };
}

/** Who asked, for the record: the `x-codedance-executor` header, else the API itself. */
function executorOf(
  headers: Record<string, string | string[] | undefined>,
  fallback = 'api',
): string {
  const given = headers['x-codedance-executor'];
  return typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : fallback;
}

/**
 * Progressive delivery's API: apps from manifests, deployments with their actions, and seed
 * 000's canary and metrics endpoints as written there.
 */
export async function deliveryRoutes(
  app: FastifyInstance,
  options: { delivery: () => DeliveryController },
): Promise<void> {
  const { delivery } = options;

  await app.register((scope) => {
    // Manifests may come as YAML; the parser is scoped to this route.
    scope.addContentTypeParser(
      ['application/yaml', 'application/x-yaml', 'text/yaml'],
      { parseAs: 'string', bodyLimit: MAX_MANIFEST_BYTES },
      (_request: unknown, body: string | Buffer) =>
        parseYamlBody(typeof body === 'string' ? body : body.toString('utf8'), 'The manifest'),
    );
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/api/apply',
      {
        bodyLimit: MAX_MANIFEST_BYTES,
        schema: {
          tags,
          summary: 'Create or update an app from a manifest (YAML or JSON)',
          body: Type.Unknown({
            description: `An App manifest (apiVersion deploy.codedance.io/v1alpha1).`,
          }),
          response: { 200: ApplyAnswerSchema, 201: ApplyAnswerSchema, ...errors },
        },
      },
      async (request, reply) => {
        const result = await delivery().apply(request.body);
        const latest = delivery().book.latest(result.app.spec.namespace, result.app.spec.name);
        return reply
          .status(result.created ? 201 : 200)
          .send({ created: result.created, app: appView(result.app, latest) });
      },
    );
    return Promise.resolve();
  });

  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/apps',
    {
      schema: {
        tags,
        summary: 'Apps by namespace and name with their versions and last release, paged',
        querystring: AppListQuery,
        response: { 200: AppListSchema, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, order, ...filters } = request.query;
      const page = pageRequest('apps', { limit, cursor, order }, filters, 'asc');
      const book = delivery().book;
      const found = await book.appsPage({ ...page, prefix: appPrefix(filters) });
      return {
        apps: found.items.map((r) => appView(r, book.latest(r.spec.namespace, r.spec.name))),
        total: found.total,
        nextCursor: page.seal(found.next),
      };
    },
  );

  api.get(
    '/api/apps/:namespace/:name',
    {
      schema: {
        tags,
        summary: 'One app',
        params: AppParams,
        response: { 200: AppDetailSchema, ...errors },
      },
    },
    async (request) => {
      const { namespace, name } = request.params;
      const record = await delivery().app(namespace, name);
      const router = await delivery().routerHealth(namespace, name);
      return { ...appView(record, delivery().book.latest(namespace, name)), router };
    },
  );

  api.delete(
    '/api/apps/:namespace/:name',
    {
      schema: {
        tags,
        summary: "Stop an app's versions and router and forget it",
        params: AppParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await delivery().deleteApp(request.params.namespace, request.params.name);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/deployments',
    {
      schema: {
        tags,
        summary: 'Release a version of an app',
        body: DeployBody,
        response: { 201: DeploymentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const d = await delivery().deploy({
        app: body.app,
        version: body.version,
        ...(body.namespace === undefined ? {} : { namespace: body.namespace }),
        ...(body.run === undefined ? {} : { run: body.run }),
        ...(body.strategy === undefined ? {} : { strategy: body.strategy }),
        executor: body.executor ?? executorOf(request.headers),
      });
      return reply.status(201).send(deploymentView(d));
    },
  );

  api.get(
    '/api/deployments',
    {
      schema: {
        tags,
        summary: 'Deployments, newest first, filtered and paged',
        querystring: DeploymentsQuery,
        response: { 200: DeploymentPageSchema, ...errors },
      },
    },
    (request) => {
      const { limit, cursor, order, ...rest } = request.query;
      const filter = filterOf(rest);
      const page = pageRequest('deployments', { limit, cursor, order }, { ...filter }, 'desc');
      const found = delivery().page(filter, page);
      return { items: found.items, total: found.total, nextCursor: page.seal(found.next) };
    },
  );

  api.get(
    '/api/deployments/export',
    {
      schema: {
        tags,
        summary: 'Deployments as a CSV or JSON file, with the same filters as the list',
        querystring: DeploymentsExportQuery,
        response: {
          200: {
            description: 'The file: JSON (as here) or, with format=csv, one row per release.',
            content: {
              'application/json': { schema: DeploymentExportSchema },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          ...errors,
        },
      },
    },
    (request, reply) => {
      const { format = 'json', ...rest } = request.query;
      const rows = delivery().book.filter(filterOf(rest));
      const stamp = new Date(delivery().now()).toISOString().replace(/[:.]/g, '-');
      reply.header('content-disposition', `attachment; filename="deployments-${stamp}.${format}"`);
      // A file to read, so indented; a string is sent as it is, past the serializer.
      if (format === 'csv') {
        void reply.type('text/csv; charset=utf-8');
        return deploymentsToCsv(rows);
      }
      void reply.type('application/json; charset=utf-8');
      return JSON.stringify({ deployments: rows, total: rows.length }, null, 2);
    },
  );

  api.get(
    '/api/deployments/:id',
    {
      schema: {
        tags,
        summary: 'One deployment record',
        params: IdParams,
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (request) => deploymentView(await delivery().get(request.params.id)),
  );

  api.post(
    '/api/deployments/:id/:action',
    {
      schema: {
        tags,
        summary:
          'pause, resume, promote, abort, rollback or retry a release; answers the record as it now is',
        params: ActionParams,
        response: { 200: DeploymentSchema, 201: DeploymentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const action: DeploymentAction = request.params.action;
      const d = await delivery().act(request.params.id, action, executorOf(request.headers, 'api'));
      return reply.status(action === 'retry' ? 201 : 200).send(deploymentView(d));
    },
  );

  // ---- seed 000, paths as written there

  const canaries = async (
    request: { query: CanaryQuery },
    reply: FastifyReply,
  ): Promise<CanariesAnswer> => {
    const book = delivery().book;
    const { namespace: ns, name: app, limit, cursor, order } = request.query;
    if (ns === undefined && app === undefined) {
      // Seed 000 answers a bare array: the page's total and next cursor go in headers.
      const page = pageRequest('canaries', { limit, cursor, order }, {}, 'asc');
      const found = await book.appsPage({ ...page, limit: limit ?? MAX_PAGE_LIMIT });
      const nextCursor = page.seal(found.next);
      void reply.header('x-total-count', String(found.total));
      if (nextCursor !== null) void reply.header('x-next-cursor', nextCursor);
      return found.items.flatMap((r) => {
        const latest = book.latest(r.spec.namespace, r.spec.name);
        return latest === undefined ? [] : [canaryRow(latest, r)];
      });
    }
    const { namespace, name } = seedKey(request.query);
    const record = await book.findApp(namespace, name);
    const latest = book.latest(namespace, name);
    if (record === null || latest === undefined)
      throw new NotFoundError('canary', appKey(namespace, name));
    return canaryResource(await delivery().get(latest.id), record);
  };
  for (const url of ['/api/canaries', '/api/canaries/']) {
    api.get(
      url,
      {
        schema: {
          tags,
          summary:
            "Without a query: every app's latest release (seed 000). With namespace and name: that release as a CanaryDeployment",
          querystring: CanaryQuery,
          response: { 200: CanariesAnswerSchema, ...errors },
        },
      },
      canaries,
    );
  }

  for (const url of ['/api/metrics', '/api/metrics/']) {
    api.get(
      url,
      {
        schema: {
          tags,
          summary:
            'Live metrics of an app over the last 10 s: the new version while a release runs, else the stable one (seed 000)',
          querystring: SeedQuery,
          response: { 200: LiveMetricsSchema, ...errors },
        },
      },
      async (request) => {
        const { namespace, name } = seedKey(request.query);
        return delivery().liveMetrics(namespace, name);
      },
    );
  }
}
