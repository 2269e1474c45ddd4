import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config, FieldProblem } from '@codedance/core';

type Kind = 'file' | 'folder';

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unknown error';
}

/**
 * Why a folder cannot be used (created if missing, then written to), or
 * null. A missing folder is judged by its nearest existing ancestor, which
 * must be a folder this process may write to.
 */
async function folderProblem(path: string): Promise<string | null> {
  let current = resolve(path);
  for (;;) {
    try {
      const found = await stat(current);
      if (!found.isDirectory()) {
        return current === resolve(path)
          ? `is a file, not a folder (${current})`
          : `cannot be created: ${current} is a file, not a folder`;
      }
      await access(current, constants.W_OK | constants.X_OK);
      return null;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EACCES' || code === 'EPERM') return `cannot be written to (${current})`;
      // ENOTDIR: a part of the path is a file; the walk up finds which.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot be used (${code} at ${current})`;
      const parent = dirname(current);
      if (parent === current) return `cannot be created (${path})`;
      current = parent;
    }
  }
}

/** Why `path` cannot be used as a file of its kind: what is there now, or its folder. */
async function entryProblem(path: string, kind: Kind): Promise<string | null> {
  try {
    const found = await stat(path);
    if (kind === 'file' && !found.isFile())
      return `is a folder or special file, not a file (${path})`;
    if (kind === 'folder' && !found.isDirectory()) return `is a file, not a folder (${path})`;
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot be used (${code} at ${path})`;
  }
  return kind === 'folder' ? folderProblem(path) : folderProblem(dirname(path));
}

/** The SQLite or JSON file a store URL names; null for a network store. */
export function storeFilePath(url: string): string | null {
  const match = /^(?:sqlite|json):(.*)$/.exec(url);
  return match ? resolve(match[1] ?? '') : null;
}

/**
 * Checks the paths of a configuration against the filesystem: the log
 * folder and file, the jobs folder and a file store must be usable, or the
 * server would fail at its next start (or, for the jobs folder, never read
 * it). Run after the schema and value checks passed.
 */
export async function configPathProblems(config: Config): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const check = async (path: string, at: string, kind: Kind): Promise<void> => {
    const problem = await entryProblem(path, kind);
    if (problem !== null) problems.push({ path: at, message: problem });
  };
  await check(config.logging.dir, '/logging/dir', 'folder');
  const logFile = isAbsolute(config.logging.file)
    ? config.logging.file
    : join(config.logging.dir, config.logging.file);
  if (problems.length === 0) await check(logFile, '/logging/file', 'file');
  try {
    const jobs = await stat(config.tasks.jobsDirectory);
    if (!jobs.isDirectory()) {
      problems.push({
        path: '/tasks/jobsDirectory',
        message: `is a file, not a folder (${config.tasks.jobsDirectory})`,
      });
    }
  } catch (error) {
    // A jobs folder that does not exist yet is simply empty.
    if (errorCode(error) !== 'ENOENT') {
      problems.push({
        path: '/tasks/jobsDirectory',
        message: `cannot be used (${errorCode(error)})`,
      });
    }
  }
  const storeFile = storeFilePath(config.store.url);
  if (storeFile !== null) await check(storeFile, '/store/url', 'file');
  return problems;
}

/** The data folder must be a folder this process can create and write to. */
export async function dataDirProblem(dataDir: string): Promise<FieldProblem | null> {
  const problem = await folderProblem(dataDir);
  return problem === null ? null : { path: '(data folder)', message: problem };
}
