import { readFile } from 'node:fs/promises';
import { forEachProcStat } from '../system/index.js';

/** Process group and session of a process, plus its state letter. */
export interface GroupIds {
  pgrp: number;
  session: number;
  state: string;
}

/**
 * Reads fields 3, 5 and 6 of a `/proc/<pid>/stat` text. The system module's
 * `parseStatLine` leaves the group and session out because nothing there
 * needs them; stopping a workload does, so they are parsed here, counted from
 * the last `)` for the same reason (the name may contain one).
 */
export function parseGroupIds(text: string): GroupIds | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const [state = '', , pgrp, session] = text.slice(close + 2).split(' ');
  const ids = { pgrp: Number(pgrp), session: Number(session), state };
  return state !== '' && Number.isInteger(ids.pgrp) && Number.isInteger(ids.session) ? ids : null;
}

/** The group ids of one process; null when it is gone or cannot be read. */
export async function readGroupIds(pid: number): Promise<GroupIds | null> {
  try {
    return parseGroupIds(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** A zombie has ended; only its exit status is left for its parent to collect. */
export function isEnded(state: string): boolean {
  return state === 'Z' || state === 'X';
}

/** The pids of the processes that have not ended, by process group. */
export type GroupTable = Map<number, number[]>;

/** One scan of /proc: the live members of every process group. */
export async function scanGroups(): Promise<GroupTable> {
  const groups: GroupTable = new Map();
  await forEachProcStat((pid, text) => {
    const ids = parseGroupIds(text);
    if (ids === null || isEnded(ids.state)) return;
    const members = groups.get(ids.pgrp);
    if (members === undefined) groups.set(ids.pgrp, [pid]);
    else members.push(pid);
  });
  return groups;
}

/**
 * Hands out group tables that are never older than the question. Stopping
 * many workloads at once (deleting every service, retiring a release's
 * versions) has each of them poll its group every few tens of milliseconds;
 * rather than one scan of /proc per poll, the polls that arrive while a
 * scan runs share the next one, which starts as soon as it ends.
 */
export class GroupScanner {
  readonly #scan: () => Promise<GroupTable>;
  #running: Promise<unknown> = Promise.resolve();
  #next: Promise<GroupTable> | null = null;

  constructor(scan: () => Promise<GroupTable> = scanGroups) {
    this.#scan = scan;
  }

  /** A table from a scan that began after this call. */
  fresh(): Promise<GroupTable> {
    if (this.#next !== null) return this.#next;
    const next = this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        return this.#scan();
      });
    this.#next = next;
    this.#running = next;
    return next;
  }
}

const scanner = new GroupScanner();

/**
 * The pids of every process in group `pgid` that has not ended. Zombies are
 * left out: they use nothing, and one whose parent never reaps it (an orphan
 * under a PID 1 that does not reap) would otherwise look alive forever.
 */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  return (await scanner.fresh()).get(pgid) ?? [];
}
