import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { expectedVersion } from '../http/index.js';
import { tenantOf } from '../tenancy/index.js';
import { ErrorResponse, LogLevelSchema, ServiceNameSchema } from '../http/index.js';
import type { ServiceSupervisor } from './supervisor.js';

const NameParams = Type.Object({ name: ServiceNameSchema }, { additionalProperties: false });
/** A definition is judged by the service schema in the supervisor, so every problem is reported at once. */
const ServiceBody = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'A service definition: name, command, args, cwd, env, instances, port, restart, readiness, …',
});
const Loose = Type.Record(Type.String(), Type.Unknown());
const LogEntrySchema = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  source: Type.Object({
    kind: Type.Union([Type.Literal('task'), Type.Literal('service')]),
    id: Type.String(),
    run: Type.Optional(Type.String()),
    instance: Type.Optional(Type.Integer()),
  }),
  stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('system')]),
  level: LogLevelSchema,
  line: Type.String(),
});
const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };
const WaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Boolean({ description: 'Answer once the rolling restart is done (default true).' }),
    ),
  },
  { additionalProperties: false },
);

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
          200: Type.Object({ services: Type.Array(Loose), total: Type.Integer() }),
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
        querystring: Type.Object(
          { start: Type.Optional(Type.Boolean({ description: 'Start it now (default true).' })) },
          { additionalProperties: false },
        ),
        response: { 201: Loose, ...errors },
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
        response: { 200: Loose, ...errors },
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
        response: { 200: Loose, ...errors },
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
        response: { 200: Loose, ...errors },
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
        response: { 200: Loose, ...errors },
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
        response: { 200: Loose, ...errors },
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
        body: Type.Object(
          { instances: Type.Integer({ minimum: 1, maximum: 64 }) },
          { additionalProperties: false },
        ),
        response: { 200: Loose, ...errors },
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
        querystring: Type.Object(
          {
            instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
            level: Type.Optional(LogLevelSchema),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            before: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(LogEntrySchema) }), ...errors },
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
