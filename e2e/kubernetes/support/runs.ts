// A record per running cluster or pod network, so that what a killed test left behind (processes,
// network namespaces, claimed subnets) is found and removed by the next start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where run records live: `/run` is a tmpfs, so records vanish with the processes on a reboot. */
export function stateDir(): string {
  const dir =
    process.env.CODEDANCE_K8S_STATE ??
    (process.getuid?.() === 0 ? '/run/codedance-k8s' : join(tmpdir(), 'codedance-k8s'));
  mkdirSync(join(dir, 'runs'), { recursive: true });
  mkdirSync(join(dir, 'subnets'), { recursive: true });
  return dir;
}

export interface RecordedProcess {
  name: string;
  pid: number;
  /** Start time from /proc/PID/stat, so a reused pid is never taken for ours. */
  startTime: string;
}

export interface RunRecord {
  /** Four hex digits: short enough for interface names (`cdk<id>h<n>` fits in 15 bytes). */
  id: string;
  kind: 'cluster' | 'pod-network';
  /** The process whose death makes the run stale; null for a cluster started to outlive its CLI. */
  owner: RecordedProcess | null;
  dir: string | null;
  processes: RecordedProcess[];
  subnets: string[];
}

/** The start time of a live process, or null when it is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields from the state on (3rd), after the command name, which may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited: nothing is left to stop, whoever reaps it.
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function isRunning(process: RecordedProcess): boolean {
  return processStartTime(process.pid) === process.startTime;
}

export function recordProcess(name: string, pid: number): RecordedProcess {
  return { name, pid, startTime: processStartTime(pid) ?? 'gone' };
}

function recordPath(id: string): string {
  return join(stateDir(), 'runs', `${id}.json`);
}

export function writeRun(run: RunRecord): void {
  writeFileSync(recordPath(run.id), JSON.stringify(run, null, 2));
}

/** Creates a record with an id no other live record holds. */
export function createRun(
  kind: RunRecord['kind'],
  options: { owned: boolean; dir?: string },
): RunRecord {
  for (;;) {
    const id = randomBytes(2).toString('hex');
    const run: RunRecord = {
      id,
      kind,
      owner: options.owned ? recordProcess('owner', process.pid) : null,
      dir: options.dir ?? null,
      processes: [],
      subnets: [],
    };
    try {
      writeFileSync(recordPath(id), JSON.stringify(run, null, 2), { flag: 'wx' });
      return run;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export function readRun(id: string): RunRecord | null {
  try {
    return JSON.parse(readFileSync(recordPath(id), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

export function listRuns(): RunRecord[] {
  return readdirSync(join(stateDir(), 'runs'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => readRun(f.slice(0, -'.json'.length)))
    .filter((r): r is RunRecord => r !== null);
}

export function removeRun(id: string): void {
  rmSync(recordPath(id), { force: true });
}

/** A run is stale when its owner died, or, for an unowned one, when none of its processes lives. */
export function isStale(run: RunRecord): boolean {
  if (run.owner) return !isRunning(run.owner);
  return !run.processes.some(isRunning);
}

/** Kills a recorded process and its process group at once; it is ours only if its start time matches. */
export function killRecorded(process_: RecordedProcess): void {
  if (!isRunning(process_)) return;
  for (const target of [-process_.pid, process_.pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // no such group, or already gone
    }
  }
}
