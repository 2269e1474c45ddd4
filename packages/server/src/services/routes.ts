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
    services: () => ServiceSupervisor;
    /** The services releases run, by name; none when absent. */
    releases?: () => Promise<ReadonlyMap<string, ServiceRelease>>;
  },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = options.services;
  const tags = ['services'];
  const releases = async (): Promise<ReadonlyMap<string, ServiceRelease>> =>
    (await options.releases?.()) ?? new Map<string, ServiceRelease>();
  /** Refuses to stop or delete a service a release runs, saying what to do instead. */
  const guard = async (name: string, verb: 'stop' | 'delete', force: boolean | undefined) => {
    if (force === true) return;
    const release = (await releases()).get(name);
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
      const roles = await releases();
      const page = keyedPage('services', 'services', request.query, (options) =>
        services().page(options),
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
      const view = await services().create(request.body, { start: request.query.start ?? true });
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
      const view = await services().get(request.params.name);
      const release = (await releases()).get(view.name) ?? null;
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
      const view = await services().update(
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
      await guard(request.params.name, 'delete', request.query.force);
      await services().remove(request.params.name);
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
    async (request) => await services().startService(request.params.name),
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
      await guard(request.params.name, 'stop', request.query.force);
      return await services().stopService(request.params.name);
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
      await services().restartService(request.params.name, {
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
    async (request) => await services().scale(request.params.name, request.body.instances),
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
      services().view(name);
      const q = request.query;
      const entries = await services().logs({
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
