import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { registryDir, registryFileName, type RegisteredServer } from '@codedance/core';
import { writePrivateFile } from './secure-files.js';

/** A server's entry in the per-user registry, to remove when it stops. */
export interface Registration {
  file: string;
  pid: number;
}

/** Records a running server (0600 in a 0700 folder) so the CLI finds its data folder by URL. */
export async function registerServer(input: {
  env: NodeJS.ProcessEnv;
  host: string;
  port: number;
  entry: RegisteredServer;
}): Promise<Registration> {
  const file = join(registryDir(input.env, homedir()), registryFileName(input.host, input.port));
  await writePrivateFile(file, `${JSON.stringify(input.entry, null, 2)}\n`);
  return { file, pid: input.entry.pid };
}

/** Removes the entry, unless another server has written its own there since. */
export async function forgetServer(registration: Registration): Promise<void> {
  const text = await readFile(registration.file, 'utf8').catch(() => null);
  if (text === null) return;
  try {
    if ((JSON.parse(text) as { pid?: unknown }).pid !== registration.pid) return;
  } catch {
    // A damaged entry is removed as well.
  }
  await rm(registration.file, { force: true });
}
