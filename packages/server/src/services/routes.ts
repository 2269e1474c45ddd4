import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CreateServiceQuery,
  ScaleBody,
  ServiceBody,
  ServiceListSchema,
  ServiceLogsQuery,
  ServiceLogsSchema,
  ServiceNameParams as NameParams,
  ServiceSchema,
  WaitQuery,
  errorResponses as errors,
} from '@codedance/api';
import { expectedVersion } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import type { ServiceSupervisor } from './supervisor.js';

/** The service API: define, run, scale and read the logs of supervised services. */
export function serviceRoutes(
  app: FastifyInstance,
  options: { services: (tenant: string) => ServiceSupervisor },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = options.services;
  const tags = ['services'];

  api.get(
    '/api/services',
    {
      schema: {
        tags,
        summary: 'Every service with its status and instances',
        response: {
          200: ServiceListSchema,
          ...errors,
        },
      },
    },
    (request) => {
      const list = services(tenantOf(request)).list();
      return { services: list, total: list.length };
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
      const view = await services(tenantOf(request)).get(request.params.name);
      return reply.header('etag', `"${view.version}"`).send(view);
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
        params: NameParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await services(tenantOf(request)).remove(request.params.name);
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
        params: NameParams,
        response: { 200: ServiceSchema, ...errors },
      },
    },
    async (request) => await services(tenantOf(request)).stopService(request.params.name),
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
