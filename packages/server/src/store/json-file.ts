import { randomUUID } from 'node:crypto';
import { link, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CodedanceError } from '@codedance/core';

/*
 * The file-system half of the JSON backend: an exclusive lock file and
 * atomic replacement of the data file.
 */

/** Writes `data` to a new file at `path` and flushes it to disk. */
export type DurableWrite = (path: string, data: string) => Promise<void>;

export const writeAndSync: DurableWrite = async (path, data) => {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/** Flushes a folder, so a rename inside it survives a power cut. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function tempPrefix(path: string): string {
  return `${basename(path)}.tmp-`;
}

/**
 * A process about to take the lock writes its pid to a file of its own
 * first. The name carries the pid: the lock holder removes such files a
 * dead process left, never one another process is still using.
 */
function lockTempPrefix(path: string): string {
  return `${basename(path)}.lock-`;
}

function lockTempPid(path: string, name: string): number | null {
  const prefix = lockTempPrefix(path);
  if (!name.startsWith(prefix)) return null;
  const pid = Number.parseInt(name.slice(prefix.length), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Replaces `path` with `data` so that a reader, or the file after a crash,
 * holds either the old or the new content, never a mix. When it throws, the
 * old file is untouched. Call `syncFolder` afterwards to make it durable.
 */
export async function replaceFile(path: string, data: string, write: DurableWrite): Promise<void> {
  const temp = join(dirname(path), `${tempPrefix(path)}${randomUUID()}`);
  try {
    await write(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Removes temporary files a crash left behind; only the lock holder may call
 * it. Data files are only ever written by the holder; lock files in the
 * making are removed only when their process is gone.
 */
export async function removeLeftovers(path: string): Promise<void> {
  const prefix = tempPrefix(path);
  const names = await readdir(dirname(path));
  const left = names.filter((name) => {
    if (name.startsWith(prefix)) return true;
    const pid = lockTempPid(path, name);
    return pid !== null && !isAlive(pid);
  });
  await Promise.all(left.map((name) => rm(join(dirname(path), name), { force: true })));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function heldBy(path: string, lockPath: string, pid: number | null): CodedanceError {
  return new CodedanceError('CD_STORE_UNAVAILABLE', {
    message:
      `The JSON store ${path} is in use by ${pid === null ? 'another process' : `process ${pid}`} ` +
      `(lock file ${lockPath}). Stop that process, or point store.url at another file.`,
    details: { backend: 'json', lockFile: lockPath, pid },
  });
}

async function readHolder(lockPath: string): Promise<number | null> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Takes `<path>.lock` for this process. The lock is written whole to a temp
 * file and hard-linked into place, so no one ever reads a half-written pid.
 * A lock whose process is dead is taken over.
 */
export async function acquireLock(path: string): Promise<void> {
  const lockPath = `${path}.lock`;
  const temp = join(dirname(path), `${lockTempPrefix(path)}${process.pid}-${randomUUID()}`);
  await writeAndSync(temp, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, lockPath);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(lockPath);
      if (holder === null || isAlive(holder)) throw heldBy(path, lockPath, holder);
      // Its owner died without closing: take it over, then try again.
      await removeDeadLock(temp, lockPath, holder);
    }
    throw heldBy(path, lockPath, await readHolder(lockPath));
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Removes a lock whose process died. Two processes doing this at once could
 * each remove the lock the other had just taken, and both hold the file; so
 * only the one that holds `<lock>.takeover` removes it, and only while it
 * still names the dead process. A takeover lock left by a process that died
 * during the takeover is removed in turn; that needs a second crash at that
 * very moment to be raced.
 */
async function removeDeadLock(temp: string, lockPath: string, dead: number): Promise<void> {
  const guard = `${lockPath}.takeover`;
  try {
    await link(temp, guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = await readHolder(guard);
    if (other === null || !isAlive(other)) await rm(guard, { force: true });
    // Another process is taking the lock over: its lock will answer the next attempt.
    return;
  }
  try {
    if ((await readHolder(lockPath)) === dead) await rm(lockPath, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Releases the lock if this process still holds it. */
export async function releaseLock(path: string): Promise<void> {
  const lockPath = `${path}.lock`;
  if ((await readHolder(lockPath)) === process.pid) await rm(lockPath, { force: true });
}
