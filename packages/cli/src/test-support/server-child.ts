import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, runCli, startCli, type CliResult, type LongRunning } from './cli.js';

const LISTENING = /Codedance listening on (http:\/\/\S+) \(data: (.+)\)/;

/** A `codedance server` child on a free port, and the CLI pointed at it. */
export interface ServerChild {
  server: LongRunning;
  url: string;
  /** The server's data folder. */
  dataDir: string;
  /** `{ authorization: 'Bearer <token>' }` with the token the server wrote to its data folder. */
  auth: () => Record<string, string>;
  /**
   * Runs the built CLI with `--url` set to this server and `CODEDANCE_DATA` to
   * its data folder, where the CLI finds the admin token as on the server's host.
   */
  cli(
    args: string[],
    options?: { cwd?: string; input?: string; timeoutMs?: number },
  ): Promise<CliResult>;
}

/** Starts the built `codedance server` on port 0 with its data in `dataDir`; stop it with `server.stop()`. */
export async function startServerChild(dataDir: string): Promise<ServerChild> {
  const server = startCli(['server', '--port', '0', '--data', dataDir], cleanEnv());
  try {
    const [, url = ''] = await server.waitFor(LISTENING, 20_000);
    return {
      server,
      url,
      dataDir,
      auth: () => ({
        authorization: `Bearer ${readFileSync(join(dataDir, 'credentials', 'admin-token'), 'utf8').trim()}`,
      }),
      cli: (args, options = {}) =>
        runCli(['--url', url, ...args], {
          ...options,
          env: cleanEnv({ CODEDANCE_DATA: dataDir }),
        }),
    };
  } catch (error) {
    server.stop();
    throw error;
  }
}

/** Stops a server child gracefully (so task runs are released, not orphaned mid-write), or kills it. */
export async function stopServer(server: LongRunning): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited(10_000).catch(() => {
    server.stop();
  });
}
