import { Ajv } from 'ajv';
import type { FieldProblem } from '../errors/index.js';
import { isLoopbackName } from '../access/index.js';
import { ajvProblemTranslator } from '../validation/index.js';
import { configValueProblems } from './values.js';
import { ConfigSchema, RESTART_PATHS, SECRET_PATHS, defaultConfig, type Config } from './schema.js';

/** A plain JSON object, as read from `config.json` or built from the environment. */
export type Layer = Record<string, unknown>;

/** Where the value at a path came from. */
export type ConfigSource = 'default' | 'file' | `env:${string}` | `flag:${string}`;

type Parser = (raw: string) => unknown;

const asInt: Parser = (raw) => (/^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw);
const asString: Parser = (raw) => raw;
const asBool: Parser = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return raw;
};
const asSize: Parser = (raw) => (/^\s*\d+\s*$/.test(raw) ? Number(raw) : raw.trim());
const asLevel: Parser = (raw) => {
  const v = raw.trim().toUpperCase();
  return v === 'WARN' ? 'WARNING' : v;
};
const asList: Parser = (raw) => {
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return raw;
    }
  }
  return text === '' ? [] : text.split(',').map((s) => s.trim());
};

/**
 * Environment variables and the config path each sets. `CODEDANCE_` names
 * come first; seed 004's names are accepted after them. `HOST` and `PORT`
 * are deliberately not read: shells and platforms set them for other things.
 */
export const ENV_VARIABLES: readonly { names: readonly string[]; path: string; parse: Parser }[] = [
  { names: ['CODEDANCE_HOST'], path: '/server/host', parse: asString },
  { names: ['CODEDANCE_PORT'], path: '/server/port', parse: asInt },
  { names: ['CODEDANCE_ADMIN_TOKEN'], path: '/server/adminToken', parse: asString },
  { names: ['CODEDANCE_CORS_ORIGINS', 'CORS_ORIGINS'], path: '/server/corsOrigins', parse: asList },
  { names: ['CODEDANCE_PUBLIC_HOSTS'], path: '/server/publicHosts', parse: asList },
  { names: ['CODEDANCE_TRUST_PROXY'], path: '/server/trustProxy', parse: asBool },
  { names: ['CODEDANCE_BODY_LIMIT'], path: '/server/bodyLimit', parse: asInt },
  { names: ['CODEDANCE_STORE'], path: '/store/url', parse: asString },
  { names: ['CODEDANCE_LOG_LEVEL', 'LOG_LEVEL'], path: '/logging/level', parse: asLevel },
  { names: ['CODEDANCE_LOG_DIR', 'LOG_DIR'], path: '/logging/dir', parse: asString },
  { names: ['CODEDANCE_LOG_FILE', 'LOG_FILE'], path: '/logging/file', parse: asString },
  { names: ['CODEDANCE_MAX_LOG_SIZE', 'MAX_LOG_SIZE'], path: '/logging/maxSize', parse: asSize },
  { names: ['CODEDANCE_MAX_LOG_FILES', 'MAX_LOG_FILES'], path: '/logging/maxFiles', parse: asInt },
  { names: ['CODEDANCE_LOG_MAX_LINES'], path: '/logging/maxLines', parse: asInt },
  {
    names: ['CODEDANCE_MONITORING_ENABLED', 'MONITORING_ENABLED'],
    path: '/monitoring/enabled',
    parse: asBool,
  },
  {
    names: ['CODEDANCE_MONITORING_INTERVAL', 'MONITORING_INTERVAL'],
    path: '/monitoring/interval',
    parse: asInt,
  },
  {
    names: ['CODEDANCE_MONITORING_MAX_PROCESSES', 'MONITORING_MAX_PROCESSES'],
    path: '/monitoring/maxProcesses',
    parse: asInt,
  },
  {
    names: ['CODEDANCE_MAX_CONCURRENT_TASKS', 'MAX_CONCURRENT_TASKS'],
    path: '/tasks/maxConcurrent',
    parse: asInt,
  },
  {
    names: ['CODEDANCE_DEFAULT_TASK_INTERVAL', 'DEFAULT_TASK_INTERVAL'],
    path: '/tasks/defaultInterval',
    parse: asInt,
  },
  { names: ['CODEDANCE_TASK_TIMEOUT', 'TASK_TIMEOUT'], path: '/tasks/timeout', parse: asInt },
  { names: ['CODEDANCE_TASK_RUN_HISTORY'], path: '/tasks/runHistory', parse: asInt },
  {
    names: ['CODEDANCE_JOBS_DIRECTORY', 'JOBS_DIRECTORY'],
    path: '/tasks/jobsDirectory',
    parse: asString,
  },
  {
    names: ['CODEDANCE_WEBSOCKET_ENABLED', 'WEBSOCKET_ENABLED'],
    path: '/websocket/enabled',
    parse: asBool,
  },
  {
    names: ['CODEDANCE_WEBSOCKET_HEARTBEAT', 'WEBSOCKET_HEARTBEAT'],
    path: '/websocket/heartbeat',
    parse: asInt,
  },
  {
    names: ['CODEDANCE_WEBSOCKET_MAX_CONNECTIONS'],
    path: '/websocket/maxConnections',
    parse: asInt,
  },
  {
    names: ['CODEDANCE_WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS'],
    path: '/websocket/maxConnectionsPerAddress',
    parse: asInt,
  },
  {
    names: ['CODEDANCE_WEBSOCKET_MAX_BUFFERED_BYTES'],
    path: '/websocket/maxBufferedBytes',
    parse: asInt,
  },
];

/** Reads a value at a JSON pointer, or undefined. */
export function getPath(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const key of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Writes a value at a JSON pointer, creating objects on the way. */
export function setPath(root: Layer, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1);
  let node: Layer = root;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Layer;
  });
}

function storeUrlFromSeedVariables(env: NodeJS.ProcessEnv, dataDir: string): string | undefined {
  const type = env.STORAGE_TYPE?.trim().toLowerCase();
  if (!type) return undefined;
  if (type === 'sqlite') return `sqlite:${dataDir}/${env.SQLITE_DB ?? 'codedance.db'}`;
  if (type === 'json') return `json:${dataDir}/${env.JSON_FILE ?? 'codedance.json'}`;
  if (type === 'redis') {
    const url = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
    if (env.REDIS_PASSWORD) url.password = env.REDIS_PASSWORD;
    if (env.REDIS_DB) url.pathname = `/${env.REDIS_DB}`;
    return url.toString();
  }
  return `unsupported-storage-type:${type}`;
}

/** Builds the environment layer and records which variable set each path. */
export function environmentLayer(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): { layer: Layer; sources: Map<string, ConfigSource> } {
  const layer: Layer = {};
  const sources = new Map<string, ConfigSource>();
  const seedStore = storeUrlFromSeedVariables(env, dataDir);
  if (seedStore !== undefined) {
    setPath(layer, '/store/url', seedStore);
    sources.set('/store/url', 'env:STORAGE_TYPE');
  }
  for (const variable of ENV_VARIABLES) {
    const name = variable.names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) continue;
    setPath(layer, variable.path, variable.parse(env[name] ?? ''));
    sources.set(variable.path, `env:${name}`);
  }
  return { layer, sources };
}

function isPlainObject(value: unknown): value is Layer {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep-merges layers left to right; arrays and scalars replace, objects merge. */
export function mergeLayers(base: Layer, ...layers: unknown[]): Layer {
  const out: Layer = structuredClone(base);
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      const current = out[key];
      out[key] =
        isPlainObject(value) && isPlainObject(current)
          ? mergeLayers(current, value)
          : structuredClone(value);
    }
  }
  return out;
}

/** Lists every leaf path a layer sets. */
export function leafPaths(layer: unknown, prefix = ''): string[] {
  if (!isPlainObject(layer)) return prefix ? [prefix] : [];
  return Object.entries(layer).flatMap(([key, value]) => leafPaths(value, `${prefix}/${key}`));
}

const configAjv = new Ajv({ allErrors: true, strict: false, verbose: true });
const checkConfig = configAjv.compile(ConfigSchema);

/** What each union in the configuration accepts, in words a person can act on. */
const UNION_EXPECTATIONS: Readonly<Record<string, string>> = {
  '/logging/level': 'one of DEBUG, INFO, WARNING, ERROR',
  '/logging/maxSize': 'a byte size such as 10MB or a number of bytes ≥ 1024',
  '/server/adminToken': 'null or a string of at least 16 characters',
};

const configProblems = ajvProblemTranslator(configAjv, {
  unknownField: 'is not a known setting',
  unionExpectation: (path) => UNION_EXPECTATIONS[path],
  missingAt: 'object',
});

/** Checks a whole candidate configuration; returns every problem with its path. */
export function validateConfig(candidate: unknown): FieldProblem[] {
  if (!checkConfig(candidate)) return configProblems(checkConfig.errors ?? [], candidate);
  return configValueProblems(candidate);
}

export interface ResolvedConfig {
  config: Config;
  sources: Map<string, ConfigSource>;
  problems: FieldProblem[];
}

/**
 * Merges defaults < `config.json` < environment < flags and validates the
 * result. Problems name the path and, where it is not the file, the source.
 * When there are problems the returned config is the defaults.
 */
export function resolveConfig(input: {
  dataDir: string;
  file?: unknown;
  env?: NodeJS.ProcessEnv;
  flags?: Layer;
}): ResolvedConfig {
  const defaults = defaultConfig(input.dataDir);
  const sources = new Map<string, ConfigSource>();
  for (const path of leafPaths(defaults)) sources.set(path, 'default');
  const problems: FieldProblem[] = [];
  if (input.file !== undefined && !isPlainObject(input.file)) {
    problems.push({ path: '', message: 'config.json must hold a JSON object' });
  }
  const fileLayer = isPlainObject(input.file) ? input.file : {};
  for (const path of leafPaths(fileLayer)) sources.set(path, 'file');
  const env = environmentLayer(input.env ?? {}, input.dataDir);
  for (const [path, source] of env.sources) sources.set(path, source);
  const flags = input.flags ?? {};
  for (const path of leafPaths(flags)) sources.set(path, `flag:${path.split('/').pop() ?? ''}`);
  const merged = mergeLayers(defaults, fileLayer, env.layer, flags);
  for (const problem of validateConfig(merged)) {
    const source = sources.get(problem.path);
    problems.push(
      source && source !== 'file' && source !== 'default'
        ? { ...problem, message: `${problem.message} (from ${source})` }
        : problem,
    );
  }
  return { config: problems.length ? defaults : (merged as unknown as Config), sources, problems };
}

/** A copy with every secret replaced, safe to return from the API or log. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  for (const path of SECRET_PATHS) {
    if (getPath(copy, path) !== null && getPath(copy, path) !== undefined) {
      setPath(copy, path, '[redacted]');
    }
  }
  copy.store.url = redactUrl(copy.store.url);
  return copy;
}

/** Query parameters of a store URL that carry a secret (libpq's `password`, `sslpassword`, …). */
const SECRET_QUERY = /([?&](?:[a-z_]*pass(?:word)?|secret|token|auth)=)[^&#]*/gi;

/**
 * Hides the secrets of a URL: the password of its user part
 * (`postgres://u:***@host/db`) and query parameters such as `?password=`.
 * Works on text that is not a valid URL too, so nothing slips out of an error.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@]*)@/i, '$1***@')
    .replace(SECRET_QUERY, '$1***');
}

export interface ConfigChange {
  changed: string[];
  live: string[];
  restart: string[];
}

/** Which leaf paths differ, and which of those need a restart to apply. */
export function diffConfig(before: Config, after: Config): ConfigChange {
  const changed = [...new Set([...leafPaths(before), ...leafPaths(after)])].filter(
    (path) => JSON.stringify(getPath(before, path)) !== JSON.stringify(getPath(after, path)),
  );
  const restartSet = new Set<string>(RESTART_PATHS);
  const isRestart = (path: string) =>
    [...restartSet].some((r) => path === r || path.startsWith(`${r}/`));
  return {
    changed,
    live: changed.filter((p) => !isRestart(p)),
    restart: changed.filter(isRestart),
  };
}

/**
 * The rule that keeps a server reachable off loopback from losing its lock
 * while it runs: the admin token cannot be removed, nor replaced by a shorter
 * one, while `boot` (the configuration the server listens with) names an
 * address other machines can reach. Start-up applies the same rule to the
 * whole configuration.
 */
export function liveTokenProblems(boot: Config, current: Config, next: Config): FieldProblem[] {
  if (isLoopbackName(boot.server.host)) return [];
  const before = current.server.adminToken;
  const after = next.server.adminToken;
  if (after === null) {
    return [
      {
        path: '/server/adminToken',
        message: `cannot be removed while the server listens on ${boot.server.host}`,
      },
    ];
  }
  if (before !== null && after.length < before.length) {
    return [
      {
        path: '/server/adminToken',
        message: `cannot be made shorter (${after.length} < ${before.length} characters) while the server listens on ${boot.server.host}`,
      },
    ];
  }
  return [];
}
