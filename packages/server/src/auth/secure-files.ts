import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/*
 * Everything Codedance writes is for the user it runs as only: folders 0700,
 * files 0600. Modes are given explicitly at creation (and tightened where a
 * file already existed), never through the process umask, which workloads
 * inherit and must keep as the user set it.
 */

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates a folder (and its missing parents) readable only by this user; tightens it when it exists. */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  await chmod(dir, PRIVATE_DIR);
}

/** `privateDir`, for start-up code that cannot wait. */
export function privateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
}

/**
 * Writes `text` to `path` atomically (a temporary file renamed over it),
 * 0600 from the first byte, in a 0700 folder.
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await privateDir(dirname(path));
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, 'w', PRIVATE_FILE);
    try {
      await handle.chmod(PRIVATE_FILE);
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
