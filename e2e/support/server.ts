import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '@codedance/server';

export { freePort, waitFor } from './wait.js';

export interface TestServer extends RunningServer {
  /** The admin token: the configured one, or the one the server generated in its data folder. */
  token: string;
  /** `{ authorization: 'Bearer <token>' }`. */
  auth: Record<string, string>;
  /** Fetches a path of the server as the admin (the token is added unless `init` sends an authorization header). */
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
  // As the CLI on the same host does: the configured token, else the file the server wrote.
  const token =
    options.env?.CODEDANCE_ADMIN_TOKEN ??
    (server.credentialFile === null ? '' : (await readFile(server.credentialFile, 'utf8')).trim());
  const auth = { authorization: `Bearer ${token}` };
  const get = (path: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    if (!headers.has('authorization')) headers.set('authorization', auth.authorization);
    return fetch(`${server.url}${path}`, { ...init, headers });
  };
  return {
    ...server,
    token,
    auth,
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
