import { splitScoped, tenantFolder } from '../tenancy/index.js';
import type { Dirent } from 'node:fs';
import { readdir, rmdir, unlink } from 'node:fs/promises';
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
  const { tenant, name } = splitScoped(id);
  return join(kindDir(dir, kind, tenant), safeName(name, 'id'));
}

/**
 * The folder of every task's or every service's raw files in a tenant:
 * `<dir>/tasks` in the default tenant, `<dir>/tenants/<tenant>/tasks` in another.
 */
export function kindDir(dir: string, kind: LogSource['kind'], tenant: string): string {
  const folder = tenantFolder(tenant).map((part) => safeName(part, 'tenant'));
  return join(dir, ...folder, kind === 'task' ? 'tasks' : 'services');
}

/**
 * The raw log files of a workload's output: `<dir>/tasks/<id>/<run>.out.log`
 * and `.err.log` for a task run, `<dir>/services/<id>/<instance>.out.log` and
 * `.err.log` for a service instance. The process writes into the named pipe
 * beside each (`pipePath`), and the server writes the file from it.
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
 * Removes the raw files and named pipes under `folders` (workload folders
 * or their parents), except `keep`: the live files and pipes of running
 * workloads, which the caller empties instead. A folder that is not there
 * is already clean.
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
    else if (!keep.has(path) && /\.(log(\.\d+)?|pipe)$/.test(entry.name))
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
