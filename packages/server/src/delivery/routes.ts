import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
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
import { ErrorResponse } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import { parseYamlBody } from '../http/index.js';
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
const STATUS_CHOICE = DEPLOYMENT_STATUSES.join('|');
const Filters = {
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(
    Type.String({
      pattern: `^(${STATUS_CHOICE})(,(${STATUS_CHOICE}))*$`,
      description: 'One status, or several separated by commas (FAILED,ROLLED_BACK).',
    }),
  ),
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
  if (query.status !== undefined) {
    // The schema let through only known statuses.
    filter.status = [...new Set(query.status.split(','))] as DeploymentStatus[];
  }
  if (query.from !== undefined) filter.from = new Date(query.from).toISOString();
  if (query.to !== undefined) filter.to = new Date(query.to).toISOString();
  return filter;
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
  options: { delivery: (tenant: string) => DeliveryController },
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
        const result = await delivery(tenantOf(request)).apply(request.body);
        const latest = delivery(tenantOf(request)).book.latest(
          result.app.spec.namespace,
          result.app.spec.name,
        );
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
        summary: 'Every app with its versions and last release',
        response: { 200: Loose, ...errors },
      },
    },
    async (request) => {
      const book = delivery(tenantOf(request)).book;
      const apps = (await delivery(tenantOf(request)).apps()).map((r) =>
        appView(r, book.latest(r.spec.namespace, r.spec.name)),
      );
      return { apps, total: apps.length };
    },
  );

  api.get(
    '/api/apps/:namespace/:name',
    {
      schema: { tags, summary: 'One app', params: AppParams, response: { 200: Loose, ...errors } },
    },
    async (request) => {
      const { namespace, name } = request.params;
      const record = await delivery(tenantOf(request)).app(namespace, name);
      const router = await delivery(tenantOf(request)).routerHealth(namespace, name);
      return {
        ...appView(record, delivery(tenantOf(request)).book.latest(namespace, name)),
        router,
      };
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
      await delivery(tenantOf(request)).deleteApp(request.params.namespace, request.params.name);
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
      const d = await delivery(tenantOf(request)).deploy({
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
        querystring: Type.Object(
          {
            ...Filters,
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Loose, ...errors },
      },
    },
    (request) => {
      const { limit, cursor, ...rest } = request.query;
      return delivery(tenantOf(request)).page(filterOf(rest), limit ?? 50, cursor);
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
      const rows = delivery(tenantOf(request)).book.filter(filterOf(rest));
      const stamp = new Date(delivery(tenantOf(request)).now()).toISOString().replace(/[:.]/g, '-');
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
    async (request) => deploymentView(await delivery(tenantOf(request)).get(request.params.id)),
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
      const d = await delivery(tenantOf(request)).act(
        request.params.id,
        action,
        executorOf(request.headers, 'api'),
      );
      return reply.status(action === 'retry' ? 201 : 200).send(deploymentView(d));
    },
  );

  // ---- seed 000, paths as written there

  const canaries = async (
    request: Pick<FastifyRequest, 'principal'> & { query: { namespace?: string; name?: string } },
  ) => {
    const book = delivery(tenantOf(request)).book;
    const records = await delivery(tenantOf(request)).apps();
    if (request.query.namespace === undefined && request.query.name === undefined) {
      return records.flatMap((r) => {
        const latest = book.latest(r.spec.namespace, r.spec.name);
        return latest === undefined ? [] : [canaryRow(latest, r)];
      });
    }
    const { namespace, name } = seedKey(request.query);
    const record = records.find((r) => r.spec.namespace === namespace && r.spec.name === name);
    const latest = book.latest(namespace, name);
    if (record === undefined || latest === undefined)
      throw new NotFoundError('canary', appKey(namespace, name));
    return canaryResource(await delivery(tenantOf(request)).get(latest.id), record);
  };
  for (const url of ['/api/canaries', '/api/canaries/']) {
    api.get(
      url,
      {
        schema: {
          tags,
          summary:
            "Without a query: every app's latest release (seed 000). With namespace and name: that release as a CanaryDeployment",
          querystring: SeedQuery,
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
        return delivery(tenantOf(request)).liveMetrics(namespace, name);
      },
    );
  }
}
