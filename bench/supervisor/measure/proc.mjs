// Reads memory and CPU of processes from /proc, the way `ps` and `top` do.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function readOrNull(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Resident memory of one process in bytes (VmRSS), or null when it is gone. */
export function rssBytes(pid) {
  const status = readOrNull(`/proc/${pid}/status`);
  const match = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/** Fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses. */
function statFields(pid) {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of one process in clock ticks (children not included), or null when gone. */
export function cpuTicks(pid) {
  const fields = statFields(pid);
  // fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid) {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** Sum over processes; a process that is gone counts as an error, not as zero. */
export function totalRss(pids) {
  let total = 0;
  for (const pid of pids) {
    const rss = rssBytes(pid);
    if (rss === null) throw new Error(`process ${pid} is gone: cannot read its memory`);
    total += rss;
  }
  return total;
}

export function totalCpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const t = cpuTicks(pid);
    if (t === null) throw new Error(`process ${pid} is gone: cannot read its CPU time`);
    ticks += t;
  }
  return ticks / CLK_TCK;
}

/** A process and all of its descendants, found through /proc/<pid>/task/<tid>/children. */
export function processTree(pid) {
  const all = [];
  const visit = (p) => {
    all.push(p);
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      const children = readOrNull(`/proc/${p}/task/${tid}/children`) ?? '';
      for (const child of children.split(' ').filter(Boolean)) visit(Number(child));
    }
  };
  visit(pid);
  return all;
}

/** Pids of every process whose environment holds `NAME=value` exactly. */
export function pidsWithEnv(name, value) {
  const wanted = `${name}=${value}`;
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (environ.split('\0').includes(wanted)) found.push(Number(entry));
  }
  return found;
}
