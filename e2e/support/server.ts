import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '@codedance/server';

export { freePort, waitFor } from './wait.js';

export interface TestServer extends RunningServer {
  get: (path: string, init?: RequestInit) => Promise<Response>;
  /** Fetches and parses JSON; T is what the test expects the body to be. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  json: <T = unknown>(
    path: string,
    init?: RequestInit,
  ) => Promise<{ status: number; body: T; headers: Headers }>;
  cleanup: () => Promise<void>;
}

/** Starts a real Codedance server on a free loopback port with its own data folder. */
export async function startTestServer(
  options: Partial<Omit<StartOptions, 'dataDir'>> & { dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'codedance-e2e-')));
  const server = await startServer({
    dataDir,
    env: options.env ?? {},
    stderr: false,
    flags: { ...options.flags, server: { port: 0, ...options.flags?.server } },
    ...(options.demo === undefined ? {} : { demo: options.demo }),
  });
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  return {
    ...server,
    get,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    async json<T>(path: string, init?: RequestInit) {
      const response = await get(path, init);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: the test will say so
      }
      return { status: response.status, body: body as T, headers: response.headers };
    },
    async cleanup() {
      await server.close('test over');
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
