import { Type, type Static } from 'typebox';
import { MAX_TIMEOUT_SECONDS } from '../tasks/schema.js';

const LogLevel = Type.Union(
  [Type.Literal('DEBUG'), Type.Literal('INFO'), Type.Literal('WARNING'), Type.Literal('ERROR')],
  { description: 'Lowest level written to the server log.' },
);

/** A byte size: a number of bytes or a string such as `10MB`, `512KB`, `1GB`. */
const ByteSize = Type.Union([
  Type.Integer({ minimum: 1024 }),
  Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*([KMGT]i?B?|B)?\\s*$' }),
]);

const closed = { additionalProperties: false } as const;

/** A token bucket: a steady rate and the burst allowed after a quiet spell. */
function RateSchema(description: string) {
  return Type.Object(
    {
      perSecond: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description }),
      burst: Type.Integer({
        minimum: 1,
        maximum: 10_000_000,
        description: 'Calls allowed at once after a quiet spell.',
      }),
    },
    closed,
  );
}

/** A year: a default task interval beyond it is a typing slip, not a schedule. */
const MAX_DEFAULT_INTERVAL_MINUTES = 366 * 24 * 60;

/**
 * The whole server configuration once every layer (defaults, `config.json`,
 * environment, command-line flags) is merged. Every field is present.
 */
export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, maxLength: 253 }),
        port: Type.Integer({ minimum: 0, maximum: 65535 }),
        adminToken: Type.Union([Type.Null(), Type.String({ minLength: 16, maxLength: 512 })], {
          description: 'Bearer token required on every API call; mandatory off loopback.',
        }),
        corsOrigins: Type.Array(Type.String({ minLength: 1 }), {
          maxItems: 100,
          description:
            'Origins (https://app.example.com) whose pages may call the API with a token: answered with CORS headers.',
        }),
        publicHosts: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
          maxItems: 100,
          description:
            'Names this server is reached by besides loopback (ops.example.com, ops.example.com:8443 or https://ops.example.com); other Host headers are refused. The first one builds the links the server prints.',
        }),
        trustProxy: Type.Boolean({
          description:
            'Believe X-Forwarded-Proto/-Host/-For from the proxy in front (set only behind one).',
        }),
        sessions: Type.Object(
          {
            idleMinutes: Type.Integer({
              minimum: 1,
              maximum: 525_600,
              description: 'A dashboard session unused this long ends.',
            }),
            maxHours: Type.Integer({
              minimum: 1,
              maximum: 8760,
              description: 'A dashboard session ends this long after sign-in, used or not.',
            }),
          },
          closed,
        ),
        bodyLimit: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024 }),
        rateLimit: Type.Object(
          {
            perCaller: RateSchema(
              'API calls per second one caller (a session or a token) may make; the admin credential is not limited.',
            ),
            perTenant: RateSchema(
              'API calls per second all callers of one tenant may make together.',
            ),
          },
          closed,
        ),
      },
      closed,
    ),
    store: Type.Object(
      {
        url: Type.String({
          minLength: 1,
          maxLength: 4096,
          pattern: '^(sqlite:|json:|postgres(ql)?://|rediss?://)',
          description: 'sqlite:<file>, json:<file>, postgres://…, redis://…',
        }),
      },
      closed,
    ),
    logging: Type.Object(
      {
        level: LogLevel,
        dir: Type.String({ minLength: 1, maxLength: 4096 }),
        file: Type.String({ minLength: 1, maxLength: 4096 }),
        maxSize: ByteSize,
        maxFiles: Type.Integer({ minimum: 1, maximum: 1000 }),
        maxLines: Type.Integer({ minimum: 10, maximum: 100_000 }),
      },
      closed,
    ),
    monitoring: Type.Object(
      {
        enabled: Type.Boolean(),
        interval: Type.Integer({
          minimum: 1,
          maximum: 3600,
          description: 'Seconds between samples.',
        }),
        maxProcesses: Type.Integer({ minimum: 1, maximum: 100_000 }),
        historySize: Type.Integer({ minimum: 2, maximum: 100_000 }),
      },
      closed,
    ),
    tasks: Type.Object(
      {
        maxConcurrent: Type.Integer({ minimum: 1, maximum: 10_000 }),
        defaultInterval: Type.Integer({
          minimum: 1,
          maximum: MAX_DEFAULT_INTERVAL_MINUTES,
          description: 'Minutes.',
        }),
        timeout: Type.Integer({
          minimum: 1,
          maximum: MAX_TIMEOUT_SECONDS,
          description: 'Seconds a run may take when its task sets no timeout.',
        }),
        runHistory: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          description: 'Runs kept per task; older ones are deleted.',
        }),
        jobsDirectory: Type.String({
          minLength: 1,
          maxLength: 4096,
          description:
            'Folder of one-task-per-file JSON definitions, watched and applied on change.',
        }),
      },
      closed,
    ),
    websocket: Type.Object(
      {
        enabled: Type.Boolean(),
        heartbeat: Type.Integer({ minimum: 1, maximum: 3600, description: 'Seconds.' }),
        maxConnections: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          description: 'Open WebSocket connections the server accepts in all.',
        }),
        maxConnectionsPerAddress: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          description: 'Open WebSocket connections the server accepts from one client address.',
        }),
        maxBufferedBytes: Type.Integer({
          minimum: 1024 * 1024,
          maximum: 1024 * 1024 * 1024,
          description:
            'Bytes a connection may have waiting to be sent before it is closed as too slow.',
        }),
      },
      closed,
    ),
  },
  closed,
);

export type Config = Static<typeof ConfigSchema>;
export type LogLevelName = Config['logging']['level'];

/** The defaults for a server whose data folder is `dataDir`. */
export function defaultConfig(dataDir: string): Config {
  return {
    server: {
      host: '127.0.0.1',
      port: 8100,
      adminToken: null,
      corsOrigins: [],
      publicHosts: [],
      trustProxy: false,
      sessions: { idleMinutes: 12 * 60, maxHours: 7 * 24 },
      bodyLimit: 1024 * 1024,
      rateLimit: {
        perCaller: { perSecond: 50, burst: 200 },
        perTenant: { perSecond: 200, burst: 1000 },
      },
    },
    store: { url: `sqlite:${joinPath(dataDir, 'codedance.db')}` },
    logging: {
      level: 'INFO',
      dir: joinPath(dataDir, 'logs'),
      file: 'codedance.log',
      maxSize: '10MB',
      maxFiles: 5,
      maxLines: 500,
    },
    monitoring: { enabled: true, interval: 10, maxProcesses: 1000, historySize: 360 },
    tasks: {
      maxConcurrent: 5,
      defaultInterval: 10,
      timeout: 300,
      runHistory: 100,
      jobsDirectory: joinPath(dataDir, 'jobs'),
    },
    websocket: {
      enabled: true,
      heartbeat: 30,
      maxConnections: 1000,
      maxConnectionsPerAddress: 64,
      maxBufferedBytes: 2 * 1024 * 1024,
    },
  };
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Paths (JSON pointers) whose values are secrets: redacted on every way out. */
export const SECRET_PATHS = ['/server/adminToken'] as const;

/**
 * Paths that take effect only after a restart. Everything else is applied
 * live by the running server.
 */
export const RESTART_PATHS = [
  '/server/host',
  '/server/port',
  '/server/bodyLimit',
  '/server/trustProxy',
  '/store/url',
  '/logging/dir',
  '/logging/file',
  '/logging/maxSize',
  '/logging/maxFiles',
  '/websocket/enabled',
  '/tasks/jobsDirectory',
] as const;
