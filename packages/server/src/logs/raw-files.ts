import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  truncateSync,
  writeSync,
  type Dirent,
} from 'node:fs';
import { copyFile, readdir, rename, rmdir, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '@codedance/core';
import type { LogSource } from './types.js';

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

/** The API validates ids already; this keeps a bad one from ever naming a path outside `dir`. */
function safeName(value: string, field: string): string {
  if (!SAFE_NAME.test(value) || value.includes('..')) {
    throw new ValidationError([
      {
        path: `/${field}`,
        message: 'may hold only letters, digits, ".", "_" and "-", and no ".."',
      },
    ]);
  }
  return value;
}

/** The folder that holds every raw file of one workload. */
export function workloadDir(dir: string, kind: LogSource['kind'], id: string): string {
  return join(dir, kind === 'task' ? 'tasks' : 'services', safeName(id, 'id'));
}

/**
 * Where a workload process writes its output: `<dir>/tasks/<id>/<run>.out.log`
 * and `.err.log` for a task run, `<dir>/services/<id>/<instance>.out.log` and
 * `.err.log` for a service instance.
 */
export function logFiles(dir: string, source: LogSource): { stdout: string; stderr: string } {
  let base: string;
  if (source.kind === 'task') {
    if (source.run === undefined)
      throw new ValidationError([{ path: '/run', message: 'is required for a task' }]);
    base = safeName(source.run, 'run');
  } else {
    const instance = source.instance;
    if (instance === undefined || !Number.isInteger(instance) || instance < 0) {
      throw new ValidationError([
        { path: '/instance', message: 'must be a whole number ≥ 0 for a service' },
      ]);
    }
    base = String(instance);
  }
  const folder = workloadDir(dir, source.kind, source.id);
  return { stdout: join(folder, `${base}.out.log`), stderr: join(folder, `${base}.err.log`) };
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Once `path` has reached `maxSize`, keeps a copy as `path.1` (older copies
 * move up to `path.<keep>`; the oldest goes) and truncates `path` to zero.
 * Copy-then-truncate, not rename: the workload holds the file open with
 * O_APPEND, so after the truncation its next write lands at the new end and
 * it never notices. Returns the size copied, or null when nothing was done.
 *
 * Bytes written between the copy and the truncation would be lost, so the
 * bulk is copied asynchronously and then, synchronously (nothing in this
 * process can run in between), what arrived meanwhile is appended to the
 * copy and the file is truncated. With `keep` 0 there is no copy to save
 * them in.
 */
export async function rotateRawFile(
  path: string,
  maxSize: number,
  keep: number,
): Promise<number | null> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (size < maxSize) return null;
  for (let index = keep - 1; index >= 1; index--) {
    try {
      await rename(`${path}.${index}`, `${path}.${index + 1}`);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  if (keep < 1) {
    await truncate(path, 0);
    return size;
  }
  await copyFile(path, `${path}.1`);
  return catchUpAndTruncate(path, `${path}.1`);
}

function catchUpAndTruncate(path: string, copy: string): number {
  const source = openSync(path, 'r');
  try {
    const target = openSync(copy, 'a', 0o600);
    try {
      let position = fstatSync(target).size;
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let read = readSync(source, buffer, 0, buffer.length, position); read > 0;) {
        writeSync(target, buffer, 0, read);
        position += read;
        read = readSync(source, buffer, 0, buffer.length, position);
      }
      truncateSync(path, 0);
      return position;
    } finally {
      closeSync(target);
    }
  } finally {
    closeSync(source);
  }
}

/**
 * Removes the raw files under `folders` (workload folders or their parents),
 * except `keep`, which the running workloads still write to: those are left
 * for the caller to empty. Returns nothing; a folder that is not there is
 * already clean.
 */
export async function removeRawFiles(
  folders: readonly string[],
  keep: ReadonlySet<string>,
): Promise<void> {
  for (const folder of folders) await removeTree(folder, keep);
}

async function removeTree(folder: string, keep: ReadonlySet<string>): Promise<void> {
  let names: Dirent[];
  try {
    names = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw error;
  }
  for (const entry of names) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await removeTree(path, keep);
    else if (!keep.has(path) && /\.log(\.\d+)?$/.test(entry.name))
      await unlink(path).catch(ignoreMissing);
  }
  await rmdir(folder).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY') throw error;
  });
}

function ignoreMissing(error: unknown): void {
  if (!isMissing(error)) throw error;
}
