import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt, cleanEnv, closedPort } from './test-support/cli.js';
import { startServerChild, stopServer, type ServerChild } from './test-support/server-child.js';

const SHOP = fileURLToPath(new URL('../../server/demo/shop.mjs', import.meta.url));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the built CLI with `closed` streams closed by their reader before it writes a byte. */
function runClosed(args: string[], closed: ('stdout' | 'stderr')[]): Promise<Ended> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const name of closed) child[name].destroy();
  let stderr = '';
  if (!closed.includes('stderr'))
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  if (!closed.includes('stdout')) child.stdout.resume();
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal, stderr });
    });
  });
}

describe('codedance writing into a pipe its reader has closed', () => {
  let tmp: string;
  let child: ServerChild;
  let port: number;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-pipe-'));
    child = await startServerChild(join(tmp, 'data'));
    port = await closedPort();
    await writeFile(
      join(tmp, 'shop.json'),
      JSON.stringify({
        apiVersion: 'deploy.codedance.io/v1alpha1',
        kind: 'App',
        metadata: { name: 'shop', namespace: 'test' },
        spec: {
          port,
          run: { command: process.execPath, args: [SHOP] },
          readiness: { type: 'http', path: '/healthz' },
          strategy: {
            type: 'CANARY',
            canary: {
              steps: [
                { weight: 20, pause: '2s', analysis: false },
                { weight: 50, pause: '2s', analysis: false },
              ],
            },
          },
        },
      }),
    );
    expect((await child.cli(['apply', '-f', join(tmp, 'shop.json')])).code).toBe(0);
    expect((await child.cli(['deploy', 'test/shop', '--version', 'v1', '--wait'])).code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    await child.cli(['rollout', 'abort', 'test/shop']);
    await child.cli(['apps', 'delete', 'test/shop']);
    await stopServer(child.server);
    await rm(tmp, { recursive: true, force: true });
  });

  it('ends quietly with exit code 0 when stdout is closed, whatever the command', async () => {
    const commands = [
      ['--help'],
      ['rollout', '--help'],
      ['status'],
      ['apps'],
      ['rollout', 'list'],
      ['rollout', 'get', 'test/shop'],
      ['rollout', 'get', 'test/shop', '--json'],
    ];
    for (const args of commands) {
      const ended = await runClosed(['--url', child.url, ...args], ['stdout']);
      expect({ args, ...ended }).toEqual({ args, code: 0, signal: null, stderr: '' });
    }
  }, 60_000);

  it('stops watching a release once `head` has its line, with exit code 0', async () => {
    expect((await child.cli(['deploy', 'test/shop', '--version', 'v2'])).code).toBe(0);
    const watch = spawn(
      process.execPath,
      [BIN, '--url', child.url, 'rollout', 'watch', 'test/shop'],
      {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const head = spawn('head', ['-n', '1'], { stdio: [watch.stdout, 'pipe', 'inherit'] });
    // head holds the pipe's reading end now; this process lets go of its own copy.
    watch.stdout.destroy();
    let stderr = '';
    watch.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    let firstLine = '';
    head.stdout.setEncoding('utf8').on('data', (t: string) => (firstLine += t));
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      watch.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    expect(await ended).toEqual({ code: 0, signal: null });
    expect(stderr).toBe('');
    expect(firstLine.split('\n').filter(Boolean)).toHaveLength(1);
    // The release was not waited for; it goes on.
    const got = await child.cli(['rollout', 'get', 'test/shop', '--json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ version: 'v2' });
  }, 60_000);

  it('keeps its own exit code when only stderr is closed', async () => {
    const nobody = await closedPort();
    const ended = await runClosed(['--url', `http://127.0.0.1:${nobody}`, 'status'], ['stderr']);
    expect(ended).toMatchObject({ code: 3, signal: null });
  });
});
