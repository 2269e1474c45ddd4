import { Type, type Static } from 'typebox';
import type { WithDefaults } from '../tasks/problems.js';
import { EXPECTED } from '../validation/index.js';
import { EnvironmentSchema } from '../tasks/schema.js';

const closed = { additionalProperties: false } as const;

/** Service names become process titles, log file names and URL segments. */
export const SERVICE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** When a service's process is started again after it ends. */
export const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** Signals a service may ask to be stopped with; SIGKILL follows after stop_timeout_ms. */
export const STOP_SIGNALS = [
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGHUP',
  'SIGUSR1',
  'SIGUSR2',
] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

const Port = Type.Integer({ minimum: 1, maximum: 65_535 });

const BackoffSchema = Type.Object(
  {
    initial_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 3_600_000,
        default: 100,
        description: 'The delay before the second restart in a row; the first is immediate.',
      }),
    ),
    max_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 })),
    multiplier: Type.Optional(Type.Number({ minimum: 1, maximum: 10, default: 2 })),
    jitter: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.2 })),
    reset_after_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: 30_000,
        description: 'An uptime this long counts as healthy and resets the backoff.',
      }),
    ),
  },
  { ...closed, default: {} },
);

const CrashloopSchema = Type.Object(
  {
    max_restarts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 5 })),
    window_ms: Type.Optional(Type.Integer({ minimum: 1000, default: 60_000 })),
  },
  { ...closed, default: {} },
);

/** `200` for one status, `"200-399"` for a range; absent means 200..399. */
const ExpectStatus = Type.Union(
  [
    Type.Integer({ minimum: 100, maximum: 599 }),
    Type.String({ pattern: '^[1-5][0-9][0-9]-[1-5][0-9][0-9]$' }),
  ],
  { [EXPECTED]: 'a status code such as 200 or a range such as "200-399"' },
);

/** How to tell that a started instance is ready for traffic. */
export const ReadinessSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('http'),
      path: Type.String({ pattern: '^/', maxLength: 2048 }),
      port: Type.Optional(Port),
      expect_status: Type.Optional(ExpectStatus),
    },
    closed,
  ),
  Type.Object({ type: Type.Literal('tcp'), port: Type.Optional(Port) }, closed),
  Type.Object(
    {
      type: Type.Literal('log'),
      pattern: Type.String({ minLength: 1, maxLength: 1024, description: 'A regular expression.' }),
    },
    closed,
  ),
  Type.Object(
    { type: Type.Literal('uptime'), seconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600 }) },
    closed,
  ),
]);

const LogPath = Type.String({
  pattern: '^/[^\\u0000]*$',
  maxLength: 4096,
  description: 'An absolute path.',
});

/**
 * Extra copies of a service's output, as PM2 keeps them (its `out_file`, `error_file`,
 * `log_file`, `log_date_format` and `merge_logs`). Codedance's own log is kept as well.
 */
export const ServiceLogsSchema = Type.Object(
  {
    out_file: Type.Optional({ ...LogPath, description: 'stdout is appended here too.' }),
    error_file: Type.Optional({ ...LogPath, description: 'stderr is appended here too.' }),
    combined_file: Type.Optional({ ...LogPath, description: 'stdout and stderr, both.' }),
    date_format: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'Each copied line starts with the time in this format and ": " (YYYY, MM, DD, HH, mm, ss, SSS, Z; [text] as is).',
      }),
    ),
    merge: Type.Optional(
      Type.Boolean({
        description:
          'Every instance writes the same files; otherwise instance i writes name-i.ext when there are several.',
      }),
    ),
  },
  closed,
);

/** A long-running, supervised process and how to keep it running (what PM2 does). */
export const ServiceSpecSchema = Type.Object(
  {
    name: Type.String({ pattern: SERVICE_NAME_PATTERN }),
    command: Type.String({ minLength: 1, maxLength: 4096 }),
    args: Type.Optional(
      Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 256, default: [] }),
    ),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    env: Type.Optional({ ...EnvironmentSchema, default: {} }),
    shell: Type.Optional(Type.Boolean({ default: false })),
    instances: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: 1 })),
    port: Type.Optional({ ...Port, description: 'Instance i listens on port + i (env PORT).' }),
    restart: Type.Optional(Type.Enum([...RESTART_POLICIES], { default: 'always' })),
    backoff: Type.Optional(BackoffSchema),
    crashloop: Type.Optional(CrashloopSchema),
    readiness: Type.Optional(ReadinessSchema),
    readiness_timeout_ms: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
    ),
    max_memory: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 32 })], {
        [EXPECTED]: 'a byte size such as 200MB or a number of bytes',
      }),
    ),
    stop_timeout_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, default: 5000 })),
    stop_signal: Type.Optional(Type.Enum([...STOP_SIGNALS], { default: 'SIGTERM' })),
    logs: Type.Optional(ServiceLogsSchema),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  closed,
);

/** A service as written by a person: fields with defaults may be left out. */
export type ServiceSpecInput = Static<typeof ServiceSpecSchema>;
export type ServiceBackoff = Required<Static<typeof BackoffSchema>>;
export type ServiceCrashloop = Required<Static<typeof CrashloopSchema>>;
export type Readiness = Static<typeof ReadinessSchema>;
export type ServiceLogs = Static<typeof ServiceLogsSchema>;

/** The fields `validateServiceSpec` fills in when they are absent. */
export type ServiceDefaultedField =
  | 'args'
  | 'env'
  | 'shell'
  | 'instances'
  | 'restart'
  | 'readiness_timeout_ms'
  | 'stop_timeout_ms'
  | 'stop_signal'
  | 'enabled';

/** A validated service with every default applied, nested ones included. */
export type ServiceSpec = WithDefaults<
  ServiceSpecInput,
  ServiceDefaultedField | 'backoff' | 'crashloop'
> & {
  backoff: ServiceBackoff;
  crashloop: ServiceCrashloop;
};
