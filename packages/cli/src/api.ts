import { isRecord, type FieldProblem } from './client.js';

/** The answers of the server endpoints the CLI reads, as the server's response schemas define them. */

export interface ErrorInfo {
  code: string;
  message: string;
}

/** `GET /api/status` */
export interface StatusAnswer {
  name: string;
  version: string;
  uptimeSeconds: number;
  startedAt: string;
  pid: number;
  node: string;
  store: {
    backend: string;
    location: string;
    ok: boolean;
    schemaVersion: number | null;
    latestSchemaVersion: number | null;
    error?: ErrorInfo;
  };
  counts: Record<string, number> | null;
}

/** `GET /health`, with 200 (ready) or 503 (store down). */
export interface HealthAnswer {
  status: 'ok' | 'unavailable';
  /** The rest is told only to a signed-in caller; an anonymous one gets `status` alone. */
  live?: boolean;
  ready?: boolean;
  store?: { backend: string; ok: boolean; latencyMs?: number | null; error?: ErrorInfo };
  error?: ErrorInfo;
}

/** `GET /api/settings/config` */
export interface ConfigAnswer {
  config: Record<string, unknown>;
  sources: Record<string, string>;
  file: string;
  pendingRestart: string[];
}

/** `POST /api/settings/validate-config` (200 even when invalid). */
export interface ValidationReport {
  valid: boolean;
  problems: FieldProblem[];
  live: string[];
  restart: string[];
  /** Paths the candidate sets that an environment variable or flag overrides (newer servers). */
  overridden?: string[];
}

/** `GET /api/settings/storage-info` */
export interface StorageInfo {
  backend: string;
  location: string;
  schemaVersion: number;
  latestSchemaVersion: number;
  sizeBytes: number | null;
  kinds: Record<string, number>;
  dataDir: string;
  configFile: string;
  logFile: string;
}

/** The part of `GET /api/system/info` the doctor reads. */
export interface SystemInfo {
  disk: DiskFacts;
}

export interface DiskFacts {
  path: string;
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  usedPercent?: number;
}

/** One line of `GET /api/system/server-log`, newest first. */
export interface LogLine {
  time: string;
  level: string;
  msg: string;
  /** The log record's other fields (err, method, url, status, …). */
  [field: string]: unknown;
}

/** `GET /api/system/server-log` */
export interface ServerLogAnswer {
  file: string;
  lines: LogLine[];
}

/** One line of a task's or service's log, as `/api/logs` and `/ws/logs` send it. */
export interface LogEntryAnswer {
  seq: number;
  time: string;
  source: { kind: string; id: string; instance?: number };
  stream: 'stdout' | 'stderr' | 'system';
  level: string;
  line: string;
}

/**
 * True when a body looks like Codedance's `/health`. A different program on
 * the same port answers something else, and the doctor says so.
 */
export function isHealthAnswer(body: unknown): body is HealthAnswer {
  if (!isRecord(body) || (body.status !== 'ok' && body.status !== 'unavailable')) return false;
  if (body.store === undefined) return Object.keys(body).length === 1;
  return (
    typeof body.live === 'boolean' &&
    typeof body.ready === 'boolean' &&
    isRecord(body.store) &&
    typeof body.store.backend === 'string' &&
    typeof body.store.ok === 'boolean'
  );
}
