import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { reapStaleRuns } from './support/cleanup.js';
import type { Sandbox, Subnet } from './support/network.js';
import { processStartTime, readRun, stateDir } from './support/runs.js';

const execFileAsync = promisify(execFile);
const root = process.getuid?.() === 0;
if (!root) console.warn('pod network tests skipped: network namespaces need root');

interface Abandoned {
  cluster: string;
  dir: string;
  server: number;
  network: string;
  subnet: Subnet;
  sandbox: Sandbox;
  pod: number;
  tied: number;
}

const ip = async (...args: string[]) => (await execFileAsync('ip', args)).stdout;
const alive = (pid: number) => processStartTime(pid) !== null;

/** Reads what the fixture left, checks a pod's isolation, kills the fixture, then reaps. */
async function abandonAndReap(child: ChildProcessByStdio<null, Readable, null>): Promise<void> {
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const left = JSON.parse(line) as Abandoned;
  const { sandbox } = left;

  // The pod's address is reached through its veth; from inside, nothing but the host side is.
  const [route] = JSON.parse(await ip('-j', 'route', 'get', sandbox.ip)) as { dev: string }[];
  expect(route?.dev).toBe(sandbox.hostVeth);
  expect(await ip('-n', sandbox.netns, 'route', 'show', 'default')).toBe('');
  await expect(ip('-n', sandbox.netns, 'route', 'get', '10.0.0.1')).rejects.toThrow(/unreachable/i);
  await expect(ip('-n', sandbox.netns, 'route', 'get', '8.8.8.8')).rejects.toThrow(/unreachable/i);
  expect((await ip('netns', 'pids', sandbox.netns)).trim()).toBe(String(left.pod));

  expect(alive(left.tied)).toBe(true);
  child.kill('SIGKILL');
  await once(child, 'exit');
  // What the test cluster starts dies with the process that started it, at once, by the kernel.
  await waitFor(() => !alive(left.tied), 5_000, 'the tied program to die', 20);
  // Killed with no chance to clean up: everything is still there.
  expect(alive(left.server) && alive(left.pod)).toBe(true);
  expect(await ip('netns', 'list')).toContain(sandbox.netns);

  const reaped = await reapStaleRuns();
  expect(reaped).toEqual(expect.arrayContaining([left.cluster, left.network]));
  expect(alive(left.server)).toBe(false);
  expect(alive(left.pod)).toBe(false);
  expect(await ip('netns', 'list')).not.toContain(sandbox.netns);
  await expect(ip('link', 'show', sandbox.hostVeth)).rejects.toThrow(/does not exist/);
  expect(await ip('route', 'show', 'root', left.subnet.cidr)).toBe('');
  expect(existsSync(left.dir)).toBe(false);
  expect(readRun(left.cluster)).toBeNull();
  expect(readRun(left.network)).toBeNull();
  expect(readdirSync(`${stateDir()}/subnets`)).not.toContain(`${left.subnet.prefix}.0`);
}

describe.skipIf(!root)('pod networks of the test kubelet', () => {
  it("keeps a pod to its own namespace; a killed run's programs die with it, and the next start removes the rest", async () => {
    const fixture = fileURLToPath(new URL('./fixtures/abandon.ts', import.meta.url));
    // Dies with this test process, should the test itself be killed.
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', process.execPath, '--import', 'tsx', fixture],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await abandonAndReap(child);
    } finally {
      child.kill('SIGKILL');
      await reapStaleRuns();
    }
  }, 60_000);
});
