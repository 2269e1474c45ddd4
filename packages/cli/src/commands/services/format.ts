import type { LogEntry } from '@codedance/api';
import { formatBytes, formatDuration, formatTable, type Output, type Style } from '../../output.js';
import { paintLogText } from '../log-lines.js';
import type { Service } from '@codedance/api';

const STATUS_STYLE: Record<string, Style> = {
  ONLINE: 'green',
  STARTING: 'yellow',
  STOPPING: 'yellow',
  STOPPED: 'dim',
  CRASHLOOP: 'red',
  ERRORED: 'red',
};

function percent(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(1)}%`;
}

/** One service as `codedance ls --json` prints it: what the table shows, as numbers. */
export interface StatusRow {
  name: string;
  status: string;
  /** The first running process; null when none runs. */
  pid: number | null;
  pids: number[];
  /** Seconds since the newest running process started; null when none runs. */
  uptime: number | null;
  restarts: number;
  /** Percent of one core; null until sampled or when none runs. */
  cpu: number | null;
  /** Resident memory in bytes; null until sampled or when none runs. */
  memory: number | null;
  /** Instances wanted. */
  instances: number;
  ready: number;
}

export function statusRow(s: Service): StatusRow {
  const running = s.instances.filter((i) => i.pid !== null);
  return {
    name: s.name,
    status: s.status,
    pid: running[0]?.pid ?? null,
    pids: running.map((i) => i.pid).filter((pid): pid is number => pid !== null),
    uptime: running.length === 0 ? null : Math.min(...running.map((i) => i.uptimeSeconds)),
    restarts: s.restarts,
    cpu: running.length === 0 ? null : s.cpuPercent,
    memory: running.length === 0 ? null : s.rssBytes,
    instances: s.desired,
    ready: s.ready,
  };
}

/** The `codedance ls` table. */
export function formatServiceTable(out: Output, services: readonly Service[]): string[] {
  const rows = services.map((s) => {
    const running = s.instances.filter((i) => i.pid !== null);
    const uptime =
      running.length === 0 ? '-' : formatDuration(Math.min(...running.map((i) => i.uptimeSeconds)));
    return [
      s.name,
      out.paint(STATUS_STYLE[s.status] ?? 'bold', s.status),
      `${s.ready}/${s.desired}`,
      String(s.restarts),
      running.length === 0 ? '-' : percent(s.cpuPercent),
      running.length === 0 || s.rssBytes === null ? '-' : formatBytes(s.rssBytes),
      uptime,
      running.map((i) => i.pid).join(',') || '-',
    ];
  });
  return formatTable([
    ['NAME', 'STATUS', 'READY', 'RESTARTS', 'CPU', 'MEMORY', 'UPTIME', 'PIDS'],
    ...rows,
  ]);
}

/** One service and its instances, as start/stop/restart print it. */
export function formatService(out: Output, s: Service): string[] {
  const ok = s.status === 'ONLINE' || s.status === 'STOPPED';
  const head = `${out.tick(ok)} ${out.paint('bold', s.name)} ${out.paint(STATUS_STYLE[s.status] ?? 'bold', s.status)}  ${s.ready}/${s.desired} ready`;
  const rows = s.instances.map((i) => [
    `#${i.instance}`,
    i.state,
    i.pid === null ? '-' : `pid ${i.pid}`,
    i.port === null ? '' : `port ${i.port}`,
    `restarts ${i.restarts}`,
    i.reason ??
      (i.lastExitCodes.length > 0
        ? `last exits ${i.lastExitCodes.map((c) => String(c ?? '?')).join(', ')}`
        : ''),
  ]);
  const lines = [head, ...formatTable(rows, { indent: 2 })];
  for (const t of s.logTail ?? [])
    lines.push(out.paint('dim', `  | ${t.instance ?? '-'} ${t.line}`));
  return lines;
}

/** `12:03:04.120 api/0 listening on 3000`; stderr in red, Codedance's own lines dimmed. */
export function formatLogLine(out: Output, entry: LogEntry): string {
  const who = `${entry.source.id}/${entry.source.instance ?? '-'}`;
  return `${out.paint('dim', entry.time.slice(11, 23))} ${who} ${paintLogText(out, entry)}`;
}
