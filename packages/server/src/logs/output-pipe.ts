import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The named pipe a workload writes one of its streams into, beside the raw
 * file the server writes from it: `0.out.log` is fed by `0.out.pipe`.
 */
export function pipePath(rawFile: string): string {
  return rawFile.replace(/\.log$/, '') + '.pipe';
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Makes `path` a named pipe (FIFO), creating its folder; one that exists
 * is kept, with whatever it holds. Node has no mkfifo, so the system's is
 * run (without a shell). Anything else at the path is an error.
 */
export async function ensureFifo(path: string): Promise<void> {
  const found = await stat(path).catch((error: unknown) => {
    if (isMissing(error)) return null;
    throw error;
  });
  if (found?.isFIFO()) return;
  if (found) throw new Error(`${path} exists and is not a named pipe`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await run('mkfifo', ['-m', '600', path]);
  } catch (error) {
    // Made meanwhile by another attach of the same workload: fine if it is a pipe.
    if ((await stat(path).catch(() => null))?.isFIFO()) return;
    throw new Error(`cannot create the named pipe ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
