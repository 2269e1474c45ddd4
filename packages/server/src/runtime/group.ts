import { readFile } from 'node:fs/promises';
import { listPids } from '../system/index.js';

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

/** Enough parallel reads to scan /proc quickly without holding hundreds of descriptors. */
const SCAN_BATCH = 64;

/**
 * The pids of every process in group `pgid` that has not ended. Zombies are
 * left out: they use nothing, and one whose parent never reaps it (an orphan
 * under a PID 1 that does not reap) would otherwise look alive forever.
 */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  const pids = await listPids();
  const members: number[] = [];
  for (let start = 0; start < pids.length; start += SCAN_BATCH) {
    const batch = pids.slice(start, start + SCAN_BATCH);
    const ids = await Promise.all(batch.map(readGroupIds));
    ids.forEach((entry, index) => {
      if (entry !== null && entry.pgrp === pgid && !isEnded(entry.state)) {
        members.push(batch[index] as number);
      }
    });
  }
  return members;
}
