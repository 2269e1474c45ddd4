import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  APP_NAME_PATTERN,
  CodedanceError,
  DEPLOYMENT_ACTIONS,
  DEPLOYMENT_STATUSES,
  DEPLOYMENT_TYPES,
  NAMESPACE_PATTERN,
  NotFoundError,
  type DeploymentAction,
  type DeploymentStatus,
} from '@codedance/core';
import {
  ErrorResponse,
  MAX_PAGE_LIMIT,
  PageAnswer,
  PageQuery,
  PrefixFilter,
  StatusFilter,
  pageRequest,
  parseYamlBody,
  statusList,
} from '../http/index.js';
import { appKey, type DeploymentFilter } from './book.js';
import type { DeliveryController } from './controller.js';
import { appView, canaryResource, canaryRow, deploymentView, deploymentsToCsv } from './views.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };
const Loose = Type.Unknown();
const tags = ['delivery'];
const MAX_MANIFEST_BYTES = 256 * 1024;
/** Ids this server gives look like `dep-20261202-3f9a0c1e`; anything id-shaped is looked up (404 when unknown). */
const DEPLOYMENT_ID = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

const AppParams = Type.Object(
  {
    namespace: Type.String({ pattern: NAMESPACE_PATTERN }),
    name: Type.String({ pattern: APP_NAME_PATTERN }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object(
  { id: Type.String({ pattern: DEPLOYMENT_ID }) },
  { additionalProperties: false },
);
const ActionParams = Type.Object(
  {
    id: Type.String({ pattern: DEPLOYMENT_ID }),
    action: Type.Enum([...DEPLOYMENT_ACTIONS]),
  },
  { additionalProperties: false },
);
const Filters = {
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: StatusFilter(DEPLOYMENT_STATUSES),
  app: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
};
const SeedQuery = Type.Object(
  {
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const DeployBody = Type.Object(
  {
    app: Type.String({ pattern: APP_NAME_PATTERN }),
    namespace: Type.Optional(Type.String({ pattern: NAMESPACE_PATTERN })),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    run: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strategy: Type.Optional(Type.Enum([...DEPLOYMENT_TYPES])),
    executor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

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

/** Seed 000's query, and paging for the list it answers without one. */
const CanaryQuery = PageQuery({
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

const AppQuery = PageQuery({
  namespace: Type.Optional(Type.String({ pattern: NAMESPACE_PATTERN })),
  prefix: PrefixFilter,
});

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
          response: { 200: Loose, 201: Loose, ...errors },
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
        querystring: AppQuery,
        response: { 200: PageAnswer('apps', Loose), ...errors },
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
      schema: { tags, summary: 'One app', params: AppParams, response: { 200: Loose, ...errors } },
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
        response: { 201: Loose, ...errors },
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
        querystring: PageQuery(Filters),
        response: { 200: PageAnswer('items', Loose), ...errors },
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
        querystring: Type.Object(
          {
            ...Filters,
            format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
          },
          { additionalProperties: false },
        ),
      },
    },
    (request, reply) => {
      const { format = 'json', ...rest } = request.query;
      const rows = delivery().book.filter(filterOf(rest));
      const stamp = new Date(delivery().now()).toISOString().replace(/[:.]/g, '-');
      reply.header('content-disposition', `attachment; filename="deployments-${stamp}.${format}"`);
      if (format === 'csv')
        return reply.type('text/csv; charset=utf-8').send(deploymentsToCsv(rows));
      return reply
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ deployments: rows, total: rows.length }, null, 2));
    },
  );

  api.get(
    '/api/deployments/:id',
    {
      schema: {
        tags,
        summary: 'One deployment record',
        params: IdParams,
        response: { 200: Loose, ...errors },
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
        response: { 200: Loose, 201: Loose, ...errors },
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
    request: { query: Static<typeof CanaryQuery> },
    reply: FastifyReply,
  ): Promise<unknown> => {
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
          response: { 200: Loose, ...errors },
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
          response: { 200: Loose, ...errors },
        },
      },
      async (request) => {
        const { namespace, name } = seedKey(request.query);
        return delivery().liveMetrics(namespace, name);
      },
    );
  }
}
