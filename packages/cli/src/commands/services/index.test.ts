import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../../../server/src/services/test-support/harness.js';
import {
  startServeProcess,
  type ServeProcess,
} from '../../../../server/src/services/test-support/server-process.js';
import {
  assertBuilt,
  cleanEnv,
  runCli,
  startCli,
  type LongRunning,
} from '../../test-support/cli.js';
import { waitFor } from '../../../../../e2e/support/wait.js';

/** The built `codedance` service commands, run as child processes against a real server process. */

const HTTP_SERVER = `
const http = require('http');
http.createServer((req, res) => {
  const say = new URL(req.url, 'http://x').searchParams.get('say');
  if (say) console.log(say);
  res.end(String(process.pid));
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
`;

let dataDir: string;
let server: ServeProcess;
let port: number;
const children: LongRunning[] = [];
const pids = new Set<number>();
const cli = (...args: string[]) =>
  runCli(['--url', server.url, ...args], { env: cleanEnv({ CODEDANCE_DATA: dataDir }) });

interface Listed {
  name: string;
  status: string;
  instances: { pid: number | null }[];
}

async function list(): Promise<Listed[]> {
  const { stdout } = await cli('ls', '--json', '--definitions');
  const services = JSON.parse(stdout) as Listed[];
  for (const s of services) for (const i of s.instances) if (i.pid !== null) pids.add(i.pid);
  return services;
}

/**
 * A server on the shared data folder. `codedance server` does not run the
 * service supervisor yet, so this runs the same built parts in a child process.
 */
function serve(port?: number): Promise<ServeProcess> {
  return startServeProcess(dataDir, port === undefined ? {} : { port });
}

beforeAll(async () => {
  assertBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'codedance-cli-services-'));
  server = await serve();
  port = await freePorts(2);
});

afterAll(async () => {
  for (const child of children) child.stop();
  server.child.kill('SIGKILL');
  await server.exited;
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('codedance start / ls / logs / restart / stop / delete', () => {
  it('starts a new service from its command line and waits until it is ready', async () => {
    const { code, stdout, stderr } = await cli(
      'start',
      'web',
      '-i',
      '2',
      '-p',
      String(port),
      '--ready-http',
      '/',
      '--env',
      'GREETING=hi',
      '--',
      process.execPath,
      '-e',
      HTTP_SERVER,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✓ web ONLINE {2}2\/2 ready/);
    expect(stdout).toMatch(new RegExp(`#1 +online +pid \\d+ +port ${port + 1}`));
    const [web] = await list();
    expect(web?.instances.map((i) => i.pid)).toHaveLength(2);
  });

  it('lists services as a table and as JSON', async () => {
    const { code, stdout } = await cli('ls');
    expect(code).toBe(0);
    const [header, row] = stdout.trim().split('\n');
    expect(header).toMatch(/^NAME +STATUS +READY +RESTARTS +CPU +MEMORY +UPTIME +PIDS$/);
    expect(row).toMatch(/^web +ONLINE +2\/2 +0 +\S+ +\S+ .+ \d+,\d+$/);
    expect((await list()).map((s) => s.status)).toEqual(['ONLINE']);
    const rows = JSON.parse((await cli('ls', '--json')).stdout) as Record<string, unknown>[];
    expect(rows).toEqual([
      {
        name: 'web',
        status: 'ONLINE',
        pid: expect.any(Number),
        pids: [expect.any(Number), expect.any(Number)],
        uptime: expect.any(Number),
        restarts: 0,
        cpu: expect.any(Number),
        memory: expect.any(Number),
        instances: 2,
        ready: 2,
      },
    ]);
  });

  it('prints the last lines, and follows new ones until Ctrl-C', async () => {
    const deadline = Date.now() + 5000;
    let out = '';
    while (!out.includes(`listening on ${port + 1}`) && Date.now() < deadline) {
      out = (await cli('logs', 'web', '--lines', '20')).stdout;
    }
    expect(out).toMatch(new RegExp(`web/0 listening on ${port}\\n`));
    expect(out).toMatch(/web\/1 \[INFO\] started pid \d+/);
    expect((await cli('logs', 'web', '--instance', '1', '--lines', '20')).stdout).not.toContain(
      'web/0',
    );

    const follower = startCli(
      ['--url', server.url, 'logs', 'web', '-f', '--lines', '1'],
      cleanEnv({ CODEDANCE_DATA: dataDir }),
    );
    children.push(follower);
    await follower.waitFor(/web\/\d /);
    await fetch(`http://127.0.0.1:${port}/?say=followed-line`);
    await follower.waitFor(/web\/0 followed-line/);
    follower.child.kill('SIGINT');
    expect(await follower.exited()).toBe(0);
  });

  it('restarts one instance at a time and ends ONLINE with new pids', async () => {
    const before = (await list())[0]!.instances.map((i) => i.pid);
    const { code, stdout } = await cli('restart', 'web');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✓ web ONLINE/);
    const after = (await list())[0]!.instances.map((i) => i.pid);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
  });

  it('stops, starts again by name, and deletes', async () => {
    const stopped = await cli('stop', 'web');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^✓ web STOPPED/);
    expect(
      await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    const started = await cli('start', 'web');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^✓ web ONLINE {2}2\/2 ready/);
    await list();
    const deleted = await cli('delete', 'web');
    expect(deleted).toMatchObject({ code: 0, stdout: '✓ deleted web\n' });
    expect((await cli('ls')).stdout).toMatch(/^no services yet/);
  });

  it('keeps following logs across a server restart, with no line lost or repeated', async () => {
    const started = await cli(
      'start',
      'echo',
      '-p',
      String(port),
      '--ready-http',
      '/',
      '--',
      process.execPath,
      '-e',
      HTTP_SERVER,
    );
    expect(started.code).toBe(0);
    await list();
    const say = (word: string) => fetch(`http://127.0.0.1:${port}/?say=${word}`);
    const follower = startCli(
      ['--url', server.url, 'logs', 'echo', '-f', '--lines', '0'],
      cleanEnv({ CODEDANCE_DATA: dataDir }),
    );
    children.push(follower);
    // Until the stream is open a line could land before it; keep saying it until one arrives.
    const deadline = Date.now() + 30_000;
    while (!/echo\/0 one\n/.test(follower.stdout()) && Date.now() < deadline) {
      await say('one');
      await new Promise((r) => setTimeout(r, 100));
    }
    await follower.waitFor(/echo\/0 one\n/);
    const ones = follower.stdout().match(/ one$/gm)?.length ?? 0;

    server.child.kill('SIGTERM');
    await server.exited;
    await say('two');
    server = await serve(Number(new URL(server.url).port));
    await follower.waitFor(/echo\/0 two\n/);
    await say('three');
    await follower.waitFor(/echo\/0 three\n/);
    follower.child.kill('SIGINT');
    expect(await follower.exited()).toBe(0);
    expect(follower.stdout().match(/ one$/gm)).toHaveLength(ones);
    expect(follower.stdout().match(/ two$/gm)).toHaveLength(1);
    expect(follower.stderr()).toMatch(/lost; reconnecting/);
    expect((await list()).find((s) => s.name === 'echo')?.status).toBe('ONLINE');
    expect(await cli('delete', 'echo')).toMatchObject({ code: 0 });
  });

  it('shows the same processes online after the server is SIGKILLed and started again', async () => {
    const started = await cli(
      'start',
      'keep',
      '-i',
      '2',
      '--ready-log',
      '^up$',
      '--',
      process.execPath,
      '-e',
      "console.log('up'); setInterval(() => {}, 1000)",
    );
    expect(started.code).toBe(0);
    const before = (await list()).find((s) => s.name === 'keep')!.instances.map((i) => i.pid);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await serve();
    const { stdout } = await cli('ls');
    expect(stdout).toMatch(new RegExp(`^keep +ONLINE +2/2 +0 .* ${before.join(',')}$`, 'm'));
    expect((await list()).find((s) => s.name === 'keep')!.instances.map((i) => i.pid)).toEqual(
      before,
    );
    expect(await cli('delete', 'keep')).toMatchObject({ code: 0 });
  });

  it('exits 1 with the crash loop explained, and refuses unknown services', async () => {
    const crashing = await cli(
      'start',
      'bad',
      '--restart',
      'on-failure',
      '--',
      process.execPath,
      '-e',
      'process.exit(2)',
    );
    await list();
    expect(crashing.code).toBe(1);
    expect(crashing.stdout).toMatch(/^✗ bad CRASHLOOP/);
    expect(crashing.stdout).toMatch(/last exits 2, 2, 2, 2, 2|restarted 5 times/);
    expect(crashing.stderr).toMatch(/bad is CRASHLOOP, not ONLINE; see: codedance logs bad/);
    expect(await cli('delete', 'bad')).toMatchObject({ code: 0 });

    expect(await cli('stop', 'nope')).toMatchObject({
      code: 1,
      stderr: "error: service 'nope' does not exist. (CD_NOT_FOUND)\n",
    });
    const usage = await cli('start', 'nope');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/there is no service 'nope': give its command/);
    expect((await cli('start', 'x', '--ready-tcp', '--ready-after', '2', '--', 'true')).code).toBe(
      2,
    );
    expect((await cli('start', 'x', '--restart', 'sometimes', '--', 'true')).code).toBe(2);
  });

  it('follows a service that does not exist yet once it appears, and prints raw lines as written', async () => {
    const follower = startCli(
      ['--url', server.url, 'logs', 'ghost', '-f', '--raw'],
      cleanEnv({ CODEDANCE_DATA: dataDir }),
    );
    children.push(follower);
    await waitFor(
      () => follower.stderr().includes("service 'ghost' does not exist yet; waiting"),
      15_000,
      'the waiting notice',
    );
    const said =
      "console.log('  raw \\u001b[1mbold\\u001b[0m\\tline  '); console.error('to stderr'); console.log('up'); setInterval(() => {}, 1000)";
    const started = await cli(
      'start',
      'ghost',
      '--ready-log',
      '^up$',
      '--',
      process.execPath,
      '-e',
      said,
    );
    expect(started.code, started.stderr).toBe(0);
    await list();
    await follower.waitFor(/^up$/m);
    await waitFor(() => follower.stderr().includes('to stderr\n'), 5000, 'the stderr line');
    follower.child.kill('SIGINT');
    expect(await follower.exited()).toBe(0);
    // Exactly the program's bytes: no time, name, level or colour of ours, no lines of ours.
    expect(follower.stdout()).toBe('  raw \u001b[1mbold\u001b[0m\tline  \nup\n');
    expect(follower.stderr().match(/waiting for it to appear/g)).toHaveLength(1);
    expect(follower.stderr()).toMatch(/\nto stderr\n$/);
    expect((await cli('logs', 'nothing-here')).code).toBe(1);
    expect((await cli('--json', 'logs', 'ghost', '--raw')).code).toBe(2);
    expect(await cli('delete', 'ghost')).toMatchObject({ code: 0 });
  });

  it('stops, restarts and deletes several services, or all, with a line each', async () => {
    const idle = ['-e', "console.log('up'); setInterval(() => {}, 1000)"];
    for (const name of ['alpha', 'beta']) {
      const started = await cli(
        'start',
        name,
        '--ready-log',
        '^up$',
        '--',
        process.execPath,
        ...idle,
      );
      expect(started.code).toBe(0);
    }
    await list();

    expect(await cli('stop', 'alpha', 'beta')).toMatchObject({
      code: 0,
      stdout: '✓ stopped alpha\n✓ stopped beta\n',
    });
    expect((await list()).map((s) => s.status)).toEqual(['STOPPED', 'STOPPED']);

    const restarted = await cli('restart', 'all');
    expect(restarted).toMatchObject({ code: 0, stdout: '✓ restarted alpha\n✓ restarted beta\n' });
    const online = await list();
    expect(online.map((s) => s.status)).toEqual(['ONLINE', 'ONLINE']);

    // One unknown name fails its own line and the exit code, not the others.
    const mixed = await cli('--json', 'stop', 'alpha', 'nope');
    expect(mixed.code).toBe(1);
    expect(JSON.parse(mixed.stdout)).toEqual({
      results: [
        { name: 'alpha', ok: true, status: 'STOPPED' },
        {
          name: 'nope',
          ok: false,
          error: { code: 'CD_NOT_FOUND', message: "service 'nope' does not exist." },
        },
      ],
    });

    expect(await cli('delete', 'all')).toMatchObject({
      code: 0,
      stdout: '✓ deleted alpha\n✓ deleted beta\n',
    });
    expect(await list()).toEqual([]);
    for (const pid of online.flatMap((s) => s.instances.map((i) => i.pid)))
      expect(() => process.kill(pid as number, 0)).toThrow();
    expect(await cli('stop', 'all')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^no services yet/),
    });
  });
});
