import type { ConfigReport, Health, ServerLogLine, SystemInfo } from '@codedance/api';

/** A disk's size and use, as the server measures its data folder's or the CLI reads it locally. */
export type DiskFacts = Omit<SystemInfo['disk'], 'usedPercent'> & { usedPercent?: number };

/**
 * The facts the doctor gathers (from the server, or from the local data
 * folder when the server is down) and the verdict shape its checks return.
 */

export const CHECK_STATUSES = ['pass', 'warn', 'fail'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** The verdict of one check, as `doctor` prints it and `doctor --json` returns it. */
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  detail: string;
  /** What to do about it; present when the status is not pass. */
  fix?: string;
  /** Supporting lines (problems, log entries) shown under the finding. */
  evidence?: string[];
}

/** What asking `/health` produced. A different program on the port is not the same as nothing there. */
export type HealthProbe =
  | { kind: 'codedance'; httpStatus: number; body: Health }
  | { kind: 'foreign'; httpStatus: number }
  | { kind: 'unreachable'; reason: string };

/** An API answer, or why there is none. */
export type Fetched<T> =
  { ok: true; value: T } | { ok: false; status: number | null; code: string; message: string };

export type DiskReading =
  | { source: 'server' | 'local'; facts: DiskFacts }
  | { source: 'server' | 'local'; path: string; error: string };

/** The configuration as the server judged it, or as the local files and environment would make it. */
export type ConfigReading = {
  source: 'server' | 'local';
  file: string;
  report: Fetched<ConfigReport>;
};

export type LogReading =
  | { source: 'server' | 'local'; file: string; lines: ServerLogLine[] }
  | { source: 'server' | 'local'; file: string | null; error: string };

/** Whether a plain TCP connection to the server's port succeeds. */
export type PortProbe = 'open' | 'closed' | { error: string };
