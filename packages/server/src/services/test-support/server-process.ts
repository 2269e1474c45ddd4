import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./serve.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../dist/services/index.js', import.meta.url));

export interface ServeProcess {
  url: string;
  /** `{ authorization: 'Bearer <token>' }` with the admin token it keeps in its data folder. */
  auth: Record<string, string>;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

/**
 * Starts `serve.js` (the built server parts a service needs) on a data
 * folder in a child process, and resolves with its URL once it listens.
 */
export function startServeProcess(
  dataDir: string,
  options: { port?: number; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npx tsc -b" first`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const child = spawn(process.execPath, [SCRIPT, dataDir, String(options.port ?? 0)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve.js did not listen within ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve.js exited before listening\n${out}\n${err}`));
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        const token = readFileSync(join(dataDir, 'credentials', 'admin-token'), 'utf8').trim();
        resolve({ url: match[1], auth: { authorization: `Bearer ${token}` }, child, exited });
      }
    });
  });
}
