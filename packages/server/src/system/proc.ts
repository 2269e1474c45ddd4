import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readFile, readdir } from 'node:fs/promises';
import { systemClock } from '../clock.js';

/**
 * USER_HZ, the unit of every tick count in /proc. The kernel fixes it at 100
 * for user space on every Linux architecture (it is part of the ABI, unlike
 * the internal HZ), so it is not worth a subprocess to ask.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

let pageSize: number | undefined;

/**
 * The memory page size, asked once from `getconf` because it is not always
 * 4096 (some arm64 and ppc64 kernels use 64 KiB pages), falling back to 4096.
 */
export function pageSizeBytes(): number {
  if (pageSize === undefined) {
    try {
      const answer = Number(
        execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8', timeout: 2000 }).trim(),
      );
      pageSize = Number.isInteger(answer) && answer > 0 ? answer : 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

/** What `/proc/<pid>/stat` says about one process. */
export interface ProcStat {
  pid: number;
  /** The kernel's short name (comm), at most 15 bytes; may hold spaces and parentheses. */
  name: string;
  /** One letter: R running, S sleeping, D disk wait, Z zombie, T stopped, I idle… */
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** When the process started, in clock ticks after boot. */
  startTicks: number;
  rssPages: number;
}

/** A process with its command line, when it was asked for. */
export interface ProcRecord extends ProcStat {
  /** The argv as the process exposes it; empty for kernel threads and zombies. */
  argv?: string[];
}

/**
 * Parses one `/proc/<pid>/stat` text; null when it is not one. The name sits
 * in parentheses and may itself contain `)`, so the fields are counted from
 * the last `)`.
 */
export function parseStatLine(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ") " come the fields numbered from 3 in proc(5).
  const fields = text
    .slice(close + 2)
    .trimEnd()
    .split(' ');
  const field = (n: number): number => Number(fields[n - 3]);
  const state = fields[0] ?? '';
  const numbers = [pid, field(4), field(14), field(15), field(22), field(24)];
  if (state === '' || !numbers.every(Number.isFinite)) return null;
  const [, ppid = 0, utime = 0, stime = 0, startTicks = 0, rssPages = 0] = numbers;
  return {
    pid,
    name: text.slice(open + 1, close),
    state,
    ppid,
    cpuTicks: utime + stime,
    startTicks,
    rssPages,
  };
}

/** Splits a NUL-separated `/proc/<pid>/cmdline` into its arguments. */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split('\u0000');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** Errors that mean the process is gone or hidden from us, not that /proc is broken. */
const VANISHED = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM']);

function vanished(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && VANISHED.has(code);
}

async function readIfAlive(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (vanished(error)) return null;
    throw error;
  }
}

/** Reads one process's stat; null when it has exited. */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  const text = await readIfAlive(`/proc/${pid}/stat`);
  return text === null ? null : parseStatLine(text);
}

/**
 * The most resident memory one process has had (VmHWM of /proc/<pid>/status), in bytes: a
 * sample taken late still sees an early peak. Null when it has exited or the kernel omits it.
 */
export async function readPeakRssBytes(pid: number): Promise<number | null> {
  const text = await readIfAlive(`/proc/${pid}/status`);
  const kb = text === null ? undefined : /^VmHWM:\s+(\d+) kB$/m.exec(text)?.[1];
  return kb === undefined ? null : Number(kb) * 1024;
}

/** A command line can be megabytes long; the head is all anyone displays. */
const CMDLINE_READ_BYTES = 4096;
/** A stat line is a few hundred bytes; this is room for the longest. */
const STAT_READ_BYTES = 4096;

/** Reads the head of one process's argv; null when it has exited. */
export async function readCmdline(pid: number): Promise<string[] | null> {
  try {
    const handle = await open(`/proc/${pid}/cmdline`, 'r');
    try {
      const buffer = Buffer.alloc(CMDLINE_READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, CMDLINE_READ_BYTES, 0);
      return parseCmdline(buffer.toString('utf8', 0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (vanished(error)) return null;
    throw error;
  }
}

/** Every pid in /proc, ascending. */
export async function listPids(): Promise<number[]> {
  const names = await readdir('/proc');
  return names
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Which processes to read and how much of each. */
export interface ReadProcessesOptions {
  /** Inspect at most this many pids, lowest first. */
  limit?: number;
  /** Also read each command line (one more file per process). */
  cmdline?: boolean;
}

/** Processes read in one go before the event loop gets a turn. */
const PROCESSES_PER_SLICE = 32;

/**
 * The head of a /proc file, read synchronously into `buffer`; null when the
 * process is gone. A /proc read never waits for a disk, so the promise and
 * thread-pool round trips of an asynchronous read would cost several times
 * the read itself.
 */
function readHeadSync(path: string, buffer: Buffer): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (vanished(error)) return null;
    throw error;
  }
  try {
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch (error) {
    if (vanished(error)) return null;
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `visit` with the text of every process's `/proc/<pid>/stat` (lowest
 * pid first; processes that exit meanwhile are skipped). The files are read
 * synchronously, a slice of processes at a time, so a whole scan costs
 * little and never holds the event loop for long.
 */
export async function forEachProcStat(
  visit: (pid: number, stat: string) => void,
  options: { limit?: number } = {},
): Promise<void> {
  const pids = await listPids();
  const chosen = options.limit === undefined ? pids : pids.slice(0, options.limit);
  const buffer = Buffer.allocUnsafe(STAT_READ_BYTES);
  for (let index = 0; index < chosen.length; index++) {
    if (index > 0 && index % PROCESSES_PER_SLICE === 0) await yieldToEventLoop();
    const pid = chosen[index] as number;
    const text = readHeadSync(`/proc/${pid}/stat`, buffer);
    if (text !== null) visit(pid, text);
  }
}

/** Reads every live process (see `forEachProcStat`); those that exit while being read are left out. */
export async function readProcesses(options: ReadProcessesOptions = {}): Promise<ProcRecord[]> {
  const cmdlines = options.cmdline === true ? Buffer.allocUnsafe(CMDLINE_READ_BYTES) : null;
  const records: ProcRecord[] = [];
  await forEachProcStat(
    (pid, text) => {
      const stat = parseStatLine(text);
      if (stat === null) return;
      if (cmdlines === null) {
        records.push(stat);
        return;
      }
      const raw = readHeadSync(`/proc/${pid}/cmdline`, cmdlines);
      if (raw !== null) records.push({ ...stat, argv: parseCmdline(raw) });
    },
    options.limit === undefined ? {} : { limit: options.limit },
  );
  return records;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let bootTimeMs: number | undefined;

/**
 * When the machine booted, in epoch milliseconds; read once. Taken as now
 * less /proc/uptime (hundredths of a second), not from `btime` of
 * /proc/stat, which is whole seconds: cut down by up to a second, it made
 * every process look up to a second older than it was, and a command that
 * fails at once look as if it had stayed up.
 */
export async function readBootTimeMs(): Promise<number> {
  if (bootTimeMs === undefined) {
    const uptime = await readUptimeSeconds();
    bootTimeMs = Math.round(systemClock() - uptime * 1000);
  }
  return bootTimeMs;
}

/** Seconds since boot, from /proc/uptime: the clock process start times are counted on. */
export async function readUptimeSeconds(): Promise<number> {
  const first = (await readFile('/proc/uptime', 'utf8')).split(' ')[0];
  const seconds = Number(first);
  if (!Number.isFinite(seconds)) throw new Error('/proc/uptime is not readable');
  return seconds;
}

/** The wall-clock start of a process, given the boot time. */
export function processStartedAt(stat: Pick<ProcStat, 'startTicks'>, bootMs: number): Date {
  return new Date(bootMs + (stat.startTicks / CLOCK_TICKS_PER_SECOND) * 1000);
}

/**
 * The pids of `rootPid` and all its descendants (root first, then breadth
 * first), found through each process's parent pid. Empty when the root is
 * not among `processes`.
 */
export function collectTree(
  rootPid: number,
  processes: Iterable<Pick<ProcStat, 'pid' | 'ppid'>>,
): number[] {
  const children = new Map<number, number[]>();
  let rootSeen = false;
  for (const { pid, ppid } of processes) {
    if (pid === rootPid) rootSeen = true;
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  if (!rootSeen) return [];
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []));
  return tree;
}

/** Reads /proc and returns the stats of `rootPid`'s whole process tree, root first. */
export async function readProcessTree(rootPid: number): Promise<ProcStat[]> {
  const all = await readProcesses();
  const byPid = new Map(all.map((stat) => [stat.pid, stat]));
  return collectTree(rootPid, all).flatMap((pid) => byPid.get(pid) ?? []);
}

/** What a process tree uses at one moment. */
export interface TreeUsage {
  pids: number[];
  /** CPU ticks of the processes alive now; children that exited take theirs with them. */
  cpuTicks: number;
  rssBytes: number;
}

/** Adds up CPU ticks and resident memory over stats (usually one tree). */
export function sumUsage(stats: readonly ProcStat[]): TreeUsage {
  const usage: TreeUsage = { pids: [], cpuTicks: 0, rssBytes: 0 };
  for (const stat of stats) {
    usage.pids.push(stat.pid);
    usage.cpuTicks += stat.cpuTicks;
    usage.rssBytes += stat.rssPages * pageSizeBytes();
  }
  return usage;
}
