import type { ServerLogLine, ServerStatus, StorageInfo } from '@codedance/api';
import { isRecord } from '../client.js';
import { formatBytes } from '../output.js';
import type {
  CheckResult,
  CheckStatus,
  ConfigReading,
  DiskReading,
  Fetched,
  HealthProbe,
  LogReading,
  PortProbe,
} from './facts.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const MINIMUM_NODE = [20, 19] as const;

const notChecked = (id: string, title: string, why: string): CheckResult => ({
  id,
  title,
  status: 'warn',
  detail: `not checked: ${why}`,
  fix: 'run codedance doctor again once the checks above pass',
});

const SERVER_DOWN = 'the server cannot be reached';

export function checkNode(version: string): CheckResult {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1]);
  const needs = `${MINIMUM_NODE[0]}.${MINIMUM_NODE[1]}`;
  return ok
    ? { id: 'node', title: 'Node.js', status: 'pass', detail: `${version} (needs ≥ ${needs})` }
    : {
        id: 'node',
        title: 'Node.js',
        status: 'fail',
        detail: `${version} is too old: Codedance needs Node.js ${needs} or newer`,
        fix: `install Node.js ${needs}+ (for example: nvm install 20)`,
      };
}

export function checkServer(url: string, health: HealthProbe): CheckResult {
  const base = { id: 'server', title: 'Server' };
  switch (health.kind) {
    case 'codedance':
      return {
        ...base,
        status: 'pass',
        detail: `Codedance answers at ${url} (${health.body.ready ? 'ready' : 'live, not ready'})`,
      };
    case 'foreign':
      return {
        ...base,
        status: 'fail',
        detail: `${url} answers, but not like Codedance (GET /health gave HTTP ${health.httpStatus})`,
        fix: 'point --url or CODEDANCE_URL at the Codedance server',
      };
    case 'unreachable':
      return {
        ...base,
        status: 'fail',
        detail: `cannot reach Codedance at ${url}: ${health.reason}`,
        fix: 'start it with: codedance server (or check CODEDANCE_URL / --url)',
      };
  }
}

export function checkAuth(
  health: HealthProbe,
  status: Fetched<ServerStatus> | null,
  tokenGiven: boolean,
): CheckResult {
  const base = { id: 'auth', title: 'Authentication' };
  if (health.kind !== 'codedance' || status === null)
    return notChecked(base.id, base.title, SERVER_DOWN);
  if (status.ok) {
    const how = tokenGiven ? 'with the admin token' : 'without a token';
    return {
      ...base,
      status: 'pass',
      detail: `API calls are accepted ${how}; Codedance ${status.value.version}`,
    };
  }
  if (status.status === 401 || status.status === 403) {
    return {
      ...base,
      status: 'fail',
      detail: `${status.message} (${status.code})`,
      fix: tokenGiven
        ? 'the token is not accepted: set CODEDANCE_TOKEN (or --token) to the admin token in force (CODEDANCE_ADMIN_TOKEN, or <data>/credentials/admin-token)'
        : "run it on the server's host as the server's user (it reads <data>/credentials/admin-token; --data names the folder), or set CODEDANCE_TOKEN (or --token) to the admin token",
    };
  }
  return {
    ...base,
    status: 'fail',
    detail: `GET /api/status failed: ${status.message} (${status.code})`,
    fix: 'see the server log below',
  };
}

/** How to bring each store backend back. */
export function storeFix(backend: string): string {
  switch (backend) {
    case 'postgres':
      return 'start PostgreSQL (check with pg_isready), or check store.url (CODEDANCE_STORE / --store)';
    case 'redis':
      return 'start Redis (check with redis-cli ping), or check store.url (CODEDANCE_STORE / --store)';
    default:
      return 'check that the data folder exists, is writable and its disk is not full; or check store.url';
  }
}

export function checkStore(health: HealthProbe, storage: Fetched<StorageInfo> | null): CheckResult {
  const base = { id: 'store', title: 'Store' };
  if (health.kind !== 'codedance') return notChecked(base.id, base.title, SERVER_DOWN);
  const { store } = health.body;
  if (store === undefined) {
    return notChecked(
      base.id,
      base.title,
      'the server tells only a signed-in caller about its store',
    );
  }
  if (!store.ok) {
    const error = store.error ?? health.body.error;
    return {
      ...base,
      status: 'fail',
      detail: error
        ? `${error.message} (${error.code})`
        : `the ${store.backend} store cannot be reached`,
      fix: storeFix(store.backend),
    };
  }
  if (storage === null || !storage.ok) {
    if (storage !== null && (storage.status === 401 || storage.status === 403)) {
      return notChecked(base.id, base.title, 'the API refused the token');
    }
    const why = storage === null ? 'no answer' : `${storage.message} (${storage.code})`;
    return {
      ...base,
      status: 'fail',
      detail: `the ${store.backend} store answers /health but not storage-info: ${why}`,
      fix: storeFix(store.backend),
    };
  }
  const info = storage.value;
  if (info.schemaVersion < info.latestSchemaVersion) {
    return {
      ...base,
      status: 'fail',
      detail: `${info.backend} schema is at version ${info.schemaVersion}, this server needs ${info.latestSchemaVersion}`,
      fix: 'restart codedance server so it migrates the store (back it up first)',
    };
  }
  if (info.schemaVersion > info.latestSchemaVersion) {
    return {
      ...base,
      status: 'fail',
      detail: `${info.backend} schema version ${info.schemaVersion} is newer than this server knows (${info.latestSchemaVersion})`,
      fix: 'upgrade codedance to the version that last wrote this store',
    };
  }
  const size = info.sizeBytes === null ? '' : `, ${formatBytes(info.sizeBytes)}`;
  const latency =
    typeof store.latencyMs === 'number' ? `, answered in ${Math.round(store.latencyMs)} ms` : '';
  return {
    ...base,
    status: 'pass',
    detail: `${info.backend} at ${info.location}, schema ${info.schemaVersion} (latest)${size}${latency}`,
  };
}

export function checkDisk(disk: DiskReading): CheckResult {
  const base = { id: 'disk', title: 'Disk space' };
  const where = disk.source === 'local' ? ' (local data folder)' : '';
  if ('error' in disk) {
    return {
      ...base,
      status: 'warn',
      detail: `cannot measure ${disk.path}${where}: ${disk.error}`,
      fix: 'check that the data folder exists',
    };
  }
  const { facts } = disk;
  const share = facts.totalBytes > 0 ? (facts.availableBytes / facts.totalBytes) * 100 : 0;
  const detail = `${formatBytes(facts.availableBytes)} available of ${formatBytes(facts.totalBytes)} (${share.toFixed(1)} %) on ${facts.path}${where}`;
  const fix = `free space on the disk that holds ${facts.path} (old logs, old backups), or move the data folder`;
  if (share < 2 || facts.availableBytes < 200 * MIB)
    return { ...base, status: 'fail', detail, fix };
  if (share < 10 || facts.availableBytes < GIB) return { ...base, status: 'warn', detail, fix };
  return { ...base, status: 'pass', detail };
}

/** Host and port the URL points at, with the scheme's default port filled in. */
export function urlPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}

export function checkPort(url: string, health: HealthProbe, probe: PortProbe | null): CheckResult {
  const base = { id: 'port', title: 'Port' };
  const { host, port } = urlPort(url);
  const fix = `start Codedance on another port (codedance server --port ${port + 1}) and set CODEDANCE_URL, or stop that program`;
  if (health.kind === 'codedance')
    return { ...base, status: 'pass', detail: `Codedance is listening on ${url}` };
  if (health.kind === 'foreign') {
    return {
      ...base,
      status: 'fail',
      detail: `port ${port} is taken by another program (it answered HTTP ${health.httpStatus})`,
      fix,
    };
  }
  if (probe === 'open') {
    return {
      ...base,
      status: 'fail',
      detail: `port ${port} is taken by another program (it accepts connections but does not answer like Codedance)`,
      fix,
    };
  }
  if (probe === 'closed') {
    return {
      ...base,
      status: 'pass',
      detail: `nothing listens on ${host}:${port}: codedance server can use it`,
    };
  }
  const why = probe === null ? 'not probed' : probe.error;
  return {
    ...base,
    status: 'warn',
    detail: `cannot tell whether ${host}:${port} is free: ${why}`,
    fix: 'check the host name in CODEDANCE_URL / --url',
  };
}

export function checkConfig(reading: ConfigReading | null): CheckResult {
  const base = { id: 'config', title: 'Configuration' };
  if (reading === null) return notChecked(base.id, base.title, SERVER_DOWN);
  const { report, file } = reading;
  const subject =
    reading.source === 'server'
      ? 'the server configuration'
      : `${file} with this shell's environment`;
  if (!report.ok) {
    if (report.status === 401 || report.status === 403)
      return notChecked(base.id, base.title, 'the API refused the token');
    return {
      ...base,
      status: 'fail',
      detail: `cannot check ${subject}: ${report.message} (${report.code})`,
      fix: 'see the server log below',
    };
  }
  if (report.value.valid) return { ...base, status: 'pass', detail: `${subject} is valid` };
  const n = report.value.problems.length;
  return {
    ...base,
    status: 'fail',
    detail: `${subject} is not valid (${n} problem${n === 1 ? '' : 's'})`,
    fix:
      reading.source === 'server'
        ? `correct ${file} or the environment variables that set these (codedance config get shows each source)`
        : `correct ${file} or the environment: codedance server refuses to start (exit 78) until then`,
    evidence: report.value.problems.map((p) => `${p.path || '(root)'}: ${p.message}`),
  };
}

const HOUR_MS = 3600_000;
const SHOWN_LOG_LINES = 5;
/** How many error lines the doctor asks for; reaching it means "at least this many". */
export const LOG_LIMIT = 20;

export function checkLog(log: LogReading | null, now: Date): CheckResult {
  const base = { id: 'log', title: 'Recent errors' };
  if (log === null) return notChecked(base.id, base.title, SERVER_DOWN);
  if ('error' in log) {
    return {
      ...base,
      status: 'warn',
      detail: `cannot read the server log${log.file ? ` ${log.file}` : ''}: ${log.error}`,
      fix: 'check the log folder (logging.dir)',
    };
  }
  // A running server's old errors are history; a stopped server's last errors are why it stopped.
  const relevant =
    log.source === 'server'
      ? log.lines.filter((l) => now.getTime() - Date.parse(l.time) <= HOUR_MS)
      : log.lines;
  const span = log.source === 'server' ? 'in the last hour' : `at the end of ${log.file}`;
  if (relevant.length === 0) {
    return { ...base, status: 'pass', detail: `no errors ${span}` };
  }
  const n = relevant.length;
  return {
    ...base,
    status: 'warn',
    detail: `${n}${n >= LOG_LIMIT ? '+' : ''} error${n === 1 ? '' : 's'} ${span}${n > SHOWN_LOG_LINES ? `; newest ${SHOWN_LOG_LINES}` : ''}:`,
    fix: `read the full log: ${log.file}`,
    evidence: relevant.slice(0, SHOWN_LOG_LINES).map((l) => `${l.time}  ${describeLogLine(l)}`),
  };
}

/**
 * One readable line for a log record. The message alone is often generic
 * ("request"); the error it carries or the request it describes is the news.
 */
export function describeLogLine(line: ServerLogLine): string {
  const { msg } = line;
  const err = isRecord(line.err) && typeof line.err.message === 'string' ? line.err.message : '';
  if (err !== '' && !msg.includes(err)) return msg === '' ? err : `${msg}: ${err}`;
  if (
    typeof line.method === 'string' &&
    typeof line.url === 'string' &&
    typeof line.status === 'number'
  ) {
    return `${msg} ${line.method} ${line.url} → ${line.status}`;
  }
  return msg;
}

/** `N passed, N warnings, N failed`, and whether nothing failed. */
export function summarize(checks: readonly CheckResult[]): {
  ok: boolean;
  passed: number;
  warnings: number;
  failed: number;
} {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const failed = count('fail');
  return { ok: failed === 0, passed: count('pass'), warnings: count('warn'), failed };
}
