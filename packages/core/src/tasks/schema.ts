import { Type, type Static } from 'typebox';
import { MISFIRE_POLICIES, OVERLAP_POLICIES, RETRY_BACKOFFS } from '../schedule/index.js';
import { EXPECTED } from '../validation/index.js';
import type { WithDefaults } from './problems.js';

const closed = { additionalProperties: false } as const;

/** Task ids appear in URLs and file names (`jobs/<id>.json`), hence the narrow alphabet. */
export const TASK_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

/** A name a POSIX shell accepts as an environment variable. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** Node timers overflow past 2^31-1 ms (about 24.8 days); a longer timeout would fire at once. */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * Environment variables for a child process. A value is a string, or
 * `{ "value": "…", "secret": true }` for one that answers, exports and logs
 * must never show (they show `********`; an update sending that back keeps
 * the stored value).
 */
export const EnvironmentSchema = Type.Record(
  Type.String({ pattern: ENV_NAME_PATTERN }),
  Type.Union(
    [
      Type.String({ maxLength: 65_536 }),
      Type.Object(
        { value: Type.String({ maxLength: 65_536 }), secret: Type.Boolean() },
        { additionalProperties: false },
      ),
    ],
    { [EXPECTED]: 'a string, or { "value": "…", "secret": true }' },
  ),
  closed,
);

/**
 * A scheduled or on-demand task, in seed 004's snake_case: the body of
 * `POST /api/tasks`, one entry of `tasks.json`, one `jobs/*.json` file.
 * Schedule: `interval_minutes`, or `cron` (5 fields, or 6 with seconds
 * first) with an optional IANA `timezone`; neither means on demand only.
 */
export const TaskSpecSchema = Type.Object(
  {
    id: Type.String({ pattern: TASK_ID_PATTERN }),
    script_path: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'The script or executable to run.',
    }),
    execute_path: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: 'The interpreter (e.g. python3); it receives script_path as first argument.',
      }),
    ),
    args: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 256 })),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    environment: Type.Optional(EnvironmentSchema),
    interval_minutes: Type.Optional(Type.Number({ minimum: 1 / 60 })),
    cron: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    timeout: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TIMEOUT_SECONDS,
        description: "Seconds; absent means the server's tasks.timeout.",
      }),
    ),
    retry_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 0 })),
    retry_delay: Type.Optional(
      Type.Number({ minimum: 0, maximum: 86_400, default: 60, description: 'Seconds.' }),
    ),
    retry_backoff: Type.Optional(Type.Enum([...RETRY_BACKOFFS], { default: 'fixed' })),
    retry_jitter: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.1 })),
    max_concurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 })),
    overlap: Type.Optional(Type.Enum([...OVERLAP_POLICIES], { default: 'skip' })),
    misfire: Type.Optional(Type.Enum([...MISFIRE_POLICIES], { default: 'run_once' })),
    shell: Type.Optional(
      Type.Boolean({ default: false, description: 'Run through /bin/sh instead of directly.' }),
    ),
  },
  closed,
);

/** A task as written by a person: fields with defaults may be left out. */
export type TaskSpecInput = Static<typeof TaskSpecSchema>;

/** The fields `validateTaskSpec` fills in when they are absent. */
export type TaskDefaultedField =
  | 'enabled'
  | 'retry_count'
  | 'retry_delay'
  | 'retry_backoff'
  | 'retry_jitter'
  | 'max_concurrent'
  | 'overlap'
  | 'misfire'
  | 'shell';

/** A validated task with every default applied. */
export type TaskSpec = WithDefaults<TaskSpecInput, TaskDefaultedField>;
