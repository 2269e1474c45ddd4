import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CodedanceError } from '@codedance/core';
import {
  CreateServiceQuery,
  ForceQuery,
  ScaleBody,
  ServiceBody,
  ServiceListQuery,
  ServiceListSchema,
  ServiceLogsQuery,
  ServiceLogsSchema,
  ServiceNameParams as NameParams,
  ServiceSchema,
  WaitQuery,
  errorResponses as errors,
  type ServiceRelease,
} from '@codedance/api';
import { expectedVersion, keyedPage } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import type { ServiceSupervisor } from './supervisor.js';

export type { ServiceRelease };

/** What to do instead of stopping or deleting a service a release runs, said to a person. */
export function releaseManagedMessage(
  name: string,
  verb: 'stop' | 'delete',
  release: ServiceRelease,
): string {
  const app = `${release.namespace}/${release.app}`;
  const force = `add --force (?force=true) to ${verb} it all the same`;
  switch (release.role) {
    case 'stable':
      return `${name} is the live version (${release.version}) of app ${app}: to ${verb} it would take the app down. Remove the app with "codedance apps delete ${app}", or ${force}.`;
    case 'canary':
      return `${name} is the version ${release.version} that release ${release.deployment ?? '?'} is bringing to app ${app}: end the release with "codedance rollout abort ${release.deployment ?? app}", or ${force}.`;
    case 'previous':
      return `${name} is ${app}'s previous version (${release.version}), kept warm for a rollback by release ${release.deployment ?? '?'} and stopped by it when its time is up: remove the app with "codedance apps delete ${app}", or ${force}.`;
  }
}

/** The service API: define, run, scale and read the logs of supervised services. */
export function serviceRoutes(
  app: FastifyInstance,
  options: {
    services: (tenant: string) => ServiceSupervisor;
    /** The services a tenant's releases run, by name; none when absent. */
    releases?: (tenant: string) => Promise<ReadonlyMap<string, ServiceRelease>>;
  },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = options.services;
  const tags = ['services'];
  const releases = async (tenant: string): Promise<ReadonlyMap<string, ServiceRelease>> =>
    (await options.releases?.(tenant)) ?? new Map<string, ServiceRelease>();
  /** Refuses to stop or delete a service a release runs, saying what to do instead. */
  const guard = async (
    tenant: string,
    name: string,
    verb: 'stop' | 'delete',
    force: boolean | undefined,
  ) => {
    if (force === true) return;
    const release = (await releases(tenant)).get(name);
    if (release === undefined) return;
    throw new CodedanceError('CD_RELEASE_MANAGED', {
      message: releaseManagedMessage(name, verb, release),
      details: { service: name, release },
    });
  };

  api.get(
    '/api/services',
    {
      schema: {
        tags,
        summary: 'Services by name with their status and instances, filtered and paged',
        querystring: ServiceListQuery,
        response: { 200: ServiceListSchema, ...errors },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const roles = await releases(tenant);
      const page = keyedPage('services', 'services', request.query, (options) =>
        services(tenant).page(options),
      );
      return {
        ...page,
        services: page.services.map((view) => ({ ...view, release: roles.get(view.name) ?? null })),
      };
    },
  );

  api.post(
    '/api/services',
    {
      schema: {
        tags,
        summary: 'Define a service and start it (?start=false to only define it)',
        body: ServiceBody,
        querystring: CreateServiceQuery,
        response: { 201: ServiceSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await services(tenantOf(request)).create(request.body, {
        start: request.query.start ?? true,
      });
      return reply.status(201).header('etag', `"${view.version}"`).send(view);
    },
  );

  api.get(
    '/api/services/:name',
    {
      schema: {
        tags,
        summary:
          'One service: definition, status, instances; the log tail when it is crash-looping',
        params: NameParams,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const view = await services(tenant).get(request.params.name);
      const release = (await releases(tenant)).get(view.name) ?? null;
      return reply.header('etag', `"${view.version}"`).send({ ...view, release });
    },
  );

  api.put(
    '/api/services/:name',
    {
      schema: {
        tags,
        summary:
          'Replace a definition (If-Match: "<version>" refuses a stale write); rolls a restart',
        params: NameParams,
        querystring: WaitQuery,
        body: ServiceBody,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await services(tenantOf(request)).update(
        request.params.name,
        request.body,
        expectedVersion(request.headers['if-match'], 'service'),
        { wait: request.query.wait ?? true },
      );
      return reply.header('etag', `"${view.version}"`).send(view);
    },
  );

  api.delete(
    '/api/services/:name',
    {
      schema: {
        tags,
        summary: 'Stop every instance and delete the service',
        description:
          'A service a release runs (its `release` is set) is refused with 409 CD_RELEASE_MANAGED, which says what to do instead, unless `force` is true.',
        params: NameParams,
        querystring: ForceQuery,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      await guard(tenant, request.params.name, 'delete', request.query.force);
      await services(tenant).remove(request.params.name);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/services/:name/start',
    {
      schema: {
        tags,
        summary: 'Start every instance that is not running',
        params: NameParams,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request) => await services(tenantOf(request)).startService(request.params.name),
  );

  api.post(
    '/api/services/:name/stop',
    {
      schema: {
        tags,
        summary: 'Stop every instance gracefully (stop_signal, then SIGKILL after stop_timeout_ms)',
        description:
          'A service a release runs (its `release` is set) is refused with 409 CD_RELEASE_MANAGED, which says what to do instead, unless `force` is true.',
        params: NameParams,
        querystring: ForceQuery,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      await guard(tenant, request.params.name, 'stop', request.query.force);
      return await services(tenant).stopService(request.params.name);
    },
  );

  api.post(
    '/api/services/:name/restart',
    {
      schema: {
        tags,
        summary: 'Rolling restart: one instance at a time, each ready before the next',
        params: NameParams,
        querystring: WaitQuery,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request) =>
      await services(tenantOf(request)).restartService(request.params.name, {
        wait: request.query.wait ?? true,
      }),
  );

  api.post(
    '/api/services/:name/scale',
    {
      schema: {
        tags,
        summary: 'Change the number of instances',
        params: NameParams,
        body: ScaleBody,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request) =>
      await services(tenantOf(request)).scale(request.params.name, request.body.instances),
  );

  api.get(
    '/api/services/:name/logs',
    {
      schema: {
        tags,
        summary: "The service's log lines, newest first",
        params: NameParams,
        querystring: ServiceLogsQuery,
        response: { 200: ServiceLogsSchema, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      // Refuses an unknown service with 404 rather than an empty list.
      services(tenantOf(request)).view(name);
      const q = request.query;
      const entries = await services(tenantOf(request)).logs({
        kind: 'service',
        id: name,
        limit: q.limit ?? 200,
        ...(q.instance === undefined ? {} : { instance: q.instance }),
        ...(q.level === undefined ? {} : { level: q.level }),
        ...(q.text === undefined ? {} : { text: q.text }),
        ...(q.before === undefined ? {} : { before: q.before }),
      });
      return { entries };
    },
  );
}
