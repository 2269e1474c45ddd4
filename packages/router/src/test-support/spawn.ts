import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { RouterClient } from '../client.js';
import type { RouteTableInput } from '../table.js';
import { startBackend, type TestBackend } from './backends.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MAIN_JS = fileURLToPath(new URL('../../bin/codedance-router.js', import.meta.url));

export interface RouterChild {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

/**
 * Starts the built router and resolves once it prints its ready line. It runs
 * in a process group of its own, so `killGroup` ends it with every process it
 * started.
 */
export function spawnRouter(args: string[]): Promise<RouterChild> {
  const child = spawn(process.execPath, [MAIN_JS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`router did not become ready: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { listen: string };
      resolve({ child, port: Number(ready.listen.split(':').at(-1)), exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`router exited with ${code}: ${stderr}`));
    });
  });
}

/** SIGKILLs a router's whole process group and waits for its first process to exit. */
export async function killGroup(router: RouterChild): Promise<void> {
  const pid = router.child.pid;
  // Never `kill(-0)`: that is this very process group.
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
  await router.exited;
}

/** A router started alone by a test, in a folder of its own. */
export interface StandaloneRouter extends LaunchedRouter {
  /** Kills every process of the router and removes its folder. */
  stop(): Promise<void>;
}

/** Starts a router with its control socket and state in a new temporary folder. */
export async function startRouterProcess(args: string[] = []): Promise<StandaloneRouter> {
  const folder = mkdtempSync(join(tmpdir(), 'cd-router-'));
  const socket = join(folder, 'control.sock');
  const router = await spawnRouter([
    '--listen',
    '127.0.0.1:0',
    '--control',
    socket,
    '--state',
    join(folder, 'routes.json'),
    ...args,
  ]);
  return {
    router,
    socket,
    client: new RouterClient({ path: socket }),
    async stop() {
      await killGroup(router);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Starts a router (see `startRouterProcess`) that sends everything to one backend. */
export async function startRouterTo(
  address: string,
  args: string[] = [],
): Promise<StandaloneRouter> {
  const router = await startRouterProcess(args);
  await router.client.setRoutes({
    versions: [{ version: 'stable', weight: 100, backends: [address] }],
  });
  return router;
}

/** Builds the router once for a test file (the tests run its built command). */
export function buildRouter(): void {
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/router'], { cwd: ROOT });
}

/** A router a test launched, with its control socket and a client for it. */
export interface LaunchedRouter {
  router: RouterChild;
  socket: string;
  client: RouterClient;
}

/** The routers of one test file, over a `stable` and a `canary` backend. */
export interface Routers {
  /** A table sending `stableWeight`% of requests to `stable` and the rest to `canary`. */
  split: (stableWeight: number) => RouteTableInput;
  /**
   * Starts a router on `port` (0: any) with its control socket and table in
   * this test's folder, so a relaunch in the same test finds the saved table.
   */
  launch: (options?: { port?: number; args?: string[] }) => Promise<LaunchedRouter>;
}

/**
 * Builds the router and starts the two backends once for the file; after each
 * test SIGKILLs every router it launched and removes its folder (a temporary
 * one named after `prefix`).
 */
export function useRouters(prefix: string): Routers {
  let stable: TestBackend;
  let canary: TestBackend;
  let folder: string | undefined;
  const started: RouterChild[] = [];

  beforeAll(async () => {
    buildRouter();
    stable = await startBackend('stable');
    canary = await startBackend('canary');
  }, 120_000);

  afterEach(async () => {
    for (const router of started.splice(0)) await killGroup(router);
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  });

  afterAll(async () => {
    await stable.close();
    await canary.close();
  });

  return {
    split: (stableWeight) => ({
      versions: [
        { version: 'stable', weight: stableWeight, backends: [stable.address] },
        { version: 'canary', weight: 100 - stableWeight, backends: [canary.address] },
      ],
    }),
    launch: async ({ port = 0, args = [] } = {}) => {
      folder ??= mkdtempSync(join(tmpdir(), prefix));
      const socket = join(folder, 'control.sock');
      const router = await spawnRouter([
        '--listen',
        `127.0.0.1:${port}`,
        '--control',
        socket,
        '--state',
        join(folder, 'routes.json'),
        ...args,
      ]);
      started.push(router);
      return { router, socket, client: new RouterClient({ path: socket }) };
    },
  };
}
