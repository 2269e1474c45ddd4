import { Type, type Static } from 'typebox';
import {
  INSTANCE_STATES,
  SERVICE_STATUSES,
  ServiceSpecSchema,
  type ServiceSpec,
} from '@codedance/core';
import { LogLevelSchema, Nullable, ServiceNameSchema } from './common.js';
import { LogEntrySchema } from './logs.js';
import { Described } from './typed.js';
import { KeyedListQuery, PageAnswer } from './paging.js';

export const ServiceNameParams = Type.Object(
  { name: ServiceNameSchema },
  { additionalProperties: false },
);

/** A definition is judged by the service schema on the server, so every problem is reported at once. */
export const ServiceBody = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'A service definition: name, command, args, cwd, env, instances, port, restart, readiness, …',
});

/** `POST /api/services` */
export const CreateServiceQuery = Type.Object(
  { start: Type.Optional(Type.Boolean({ description: 'Start it now (default true).' })) },
  { additionalProperties: false },
);

/** `PUT /api/services/{name}` and `POST …/restart` */
export const WaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Boolean({ description: 'Answer once the rolling restart is done (default true).' }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /api/services/{name}/stop` and `DELETE /api/services/{name}` */
export const ForceQuery = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({
        description: 'Act on a service a release runs (see `release`) all the same.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /api/services/{name}/scale` */
export const ScaleBody = Type.Object(
  { instances: Type.Integer({ minimum: 1, maximum: 64 }) },
  { additionalProperties: false },
);

/** `GET /api/services/{name}/logs` */
export const ServiceLogsQuery = Type.Object(
  {
    instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
    level: Type.Optional(LogLevelSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type ServiceLogsQuery = Static<typeof ServiceLogsQuery>;

const ExitRecordSchema = Type.Object({
  code: Nullable(Type.Integer()),
  signal: Nullable(Type.String()),
  known: Type.Boolean({
    description: 'False when the process was lost (re-adopted, or gone while the server was down).',
  }),
  at: Type.String(),
});
export type ExitRecord = Static<typeof ExitRecordSchema>;

/** One instance of a service. */
export const ServiceInstanceSchema = Type.Object({
  instance: Type.Integer(),
  state: Type.Enum([...INSTANCE_STATES]),
  desired: Type.Union([Type.Literal('running'), Type.Literal('stopped')]),
  pid: Nullable(Type.Integer()),
  port: Nullable(Type.Integer({ description: 'PORT of this instance, when the service has one.' })),
  generation: Type.Integer(),
  restarts: Type.Integer(),
  startedAt: Nullable(Type.String()),
  readyAt: Nullable(Type.String()),
  uptimeSeconds: Type.Number(),
  cpuPercent: Nullable(Type.Number()),
  rssBytes: Nullable(Type.Number()),
  lastExit: Nullable(ExitRecordSchema),
  lastExitCodes: Type.Array(Type.Union([Type.Integer(), Type.String(), Type.Null()])),
  nextRestartAt: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});
export type ServiceInstance = Static<typeof ServiceInstanceSchema>;

const TailLineSchema = Type.Object({
  time: Type.String(),
  instance: Nullable(Type.Integer()),
  stream: Type.String(),
  line: Type.String(),
});

/** A definition with every default filled in, as the server keeps it (secrets masked). */
export const ServiceSpecAnswer = Described<ServiceSpec>()(
  Type.Object(ServiceSpecSchema.properties),
);

/** The part a service plays for the release controller. */
export const ServiceReleaseSchema = Type.Object({
  namespace: Type.String(),
  app: Type.String(),
  version: Type.String(),
  role: Type.Union([Type.Literal('stable'), Type.Literal('canary'), Type.Literal('previous')], {
    description:
      'stable: the live version; canary: a release in progress brings it; previous: kept warm for a rollback.',
  }),
  deployment: Nullable(
    Type.String({ description: 'The release that brings it (canary) or replaced it (previous).' }),
  ),
});
export type ServiceRelease = Static<typeof ServiceReleaseSchema>;

/** A service: its definition, status and instances. */
export const ServiceSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  generation: Type.Integer(),
  status: Type.Enum([...SERVICE_STATUSES]),
  rolling: Type.Boolean({ description: 'True while a rolling restart is replacing instances.' }),
  spec: ServiceSpecAnswer,
  ready: Type.Integer(),
  desired: Type.Integer(),
  restarts: Type.Integer(),
  cpuPercent: Nullable(Type.Number()),
  rssBytes: Nullable(Type.Number()),
  instances: Type.Array(ServiceInstanceSchema),
  /** Set when a release runs this service as a version of an app: stop and delete are refused unless forced. */
  release: Type.Optional(Nullable(ServiceReleaseSchema)),
  logTail: Type.Optional(
    Type.Array(TailLineSchema, {
      description: 'The newest output lines, oldest first, when it is crash-looping or errored.',
    }),
  ),
});
export type Service = Static<typeof ServiceSchema>;

/** `GET /api/services`: by name, filtered by status, name prefix and text. */
export const ServiceListQuery = KeyedListQuery(SERVICE_STATUSES);
export type ServiceListQuery = Static<typeof ServiceListQuery>;
export const ServiceListSchema = PageAnswer('services', ServiceSchema);
export type ServiceList = Static<typeof ServiceListSchema>;

/** `GET /api/services/{name}/logs`: newest first. */
export const ServiceLogsSchema = Type.Object({ entries: Type.Array(LogEntrySchema) });
export type ServiceLogs = Static<typeof ServiceLogsSchema>;
