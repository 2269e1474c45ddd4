import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  cleanEnv,
  closedPort,
  runCli,
  startCli,
  type LongRunning,
} from './test-support/cli.js';

/** The built `codedance` command, run as a child process against a real server. */

const LISTENING = /Codedance listening on (http:\/\/\S+) \(data: (.+)\)/;

let tmp: string;
const children: LongRunning[] = [];

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-e2e-'));
});

afterAll(async () => {
  for (const child of children) child.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function startServer(
  name: string,
  extra: string[] = [],
  env = cleanEnv(),
): Promise<{ server: LongRunning; url: string }> {
  const server = startCli(['server', '--port', '0', '--data', join(tmp, name), ...extra], env);
  children.push(server);
  const [, url = ''] = await server.waitFor(LISTENING);
  return { server, url };
}

const checkLine = (stdout: string, title: string): string =>
  stdout.split('\n').find((l) => l.slice(2).startsWith(title)) ?? '';

describe('codedance against a running server', () => {
  let server: LongRunning;
  let url: string;
  const cli = (...args: string[]) => runCli(['--url', url, ...args]);

  beforeAll(async () => {
    ({ server, url } = await startServer('main'));
    await writeFile(
      join(tmp, 'good.json'),
      JSON.stringify({ logging: { level: 'DEBUG' }, monitoring: { interval: 30 } }),
    );
    await writeFile(
      join(tmp, 'bad.json'),
      JSON.stringify({ logging: { level: 'LOUD' }, monitoring: { interval: 0 } }),
    );
    await writeFile(join(tmp, 'broken.json'), '{ "logging": ');
  });

  it('prints the real URL and the absolute data folder when listening', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
    expect(LISTENING.exec(server.stdout())?.[2]).toBe(join(tmp, 'main'));
  });

  it('status shows version, uptime and the store', async () => {
    const { code, stdout } = await cli('status');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✓ codedance \d+\.\d+\.\d+ at http/);
    expect(stdout).toMatch(/uptime\s+\d/);
    expect(stdout).toMatch(/store\s+✓ sqlite/);
  });

  it('status --json prints the status document only', async () => {
    const { code, stdout } = await cli('status', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      name: 'codedance',
      store: { backend: 'sqlite', ok: true },
      counts: expect.any(Object),
    });
  });

  it('config get lists every setting with its source', async () => {
    const { code, stdout } = await cli('config', 'get');
    expect(code).toBe(0);
    expect(stdout).toMatch(/logging\.level\s+INFO\s+default/);
    expect(stdout).toMatch(/server\.port\s+0\s+flag:port/);
  });

  it('config get <path> prints that value and its source, dotted or as a pointer', async () => {
    const dotted = await cli('config', 'get', 'logging.level');
    expect(dotted.code).toBe(0);
    expect(dotted.stdout.trim()).toMatch(/^logging\.level\s+INFO\s+default$/);
    const json = await cli('--json', 'config', 'get', '/logging/level');
    expect(JSON.parse(json.stdout)).toEqual({
      path: '/logging/level',
      value: 'INFO',
      source: 'default',
    });
    const missing = await cli('config', 'get', 'logging.nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no setting 'logging.nope'");
  });

  it('config validate accepts a good file', async () => {
    const { code, stdout } = await runCli(['--url', url, 'config', 'validate', 'good.json'], {
      cwd: tmp,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('✓ good.json is valid');
  });

  it('config validate lists each problem of a bad file with its path and exits 1', async () => {
    const { code, stdout } = await runCli(['--url', url, 'config', 'validate', 'bad.json'], {
      cwd: tmp,
    });
    expect(code).toBe(1);
    expect(stdout).toContain('✗ bad.json is not valid (2 problems)');
    expect(stdout).toMatch(/✗ \/logging\/level: must be one of/);
    expect(stdout).toMatch(/✗ \/monitoring\/interval: must be >= 1/);
  });

  it('config validate names a file that is not JSON', async () => {
    const { code, stderr } = await runCli(['--url', url, 'config', 'validate', 'broken.json'], {
      cwd: tmp,
    });
    expect(code).toBe(1);
    expect(stderr).toContain('broken.json is not valid JSON');
  });

  it('doctor passes every check', async () => {
    const { code, stdout } = await cli('doctor');
    expect(code, stdout).toBe(0);
    const marks = stdout.split('\n').filter((l) => /^[✓!✗] /.test(l));
    expect(marks).toHaveLength(8);
    expect(marks.every((l) => l.startsWith('✓'))).toBe(true);
    expect(stdout).toContain('8 passed, 0 warnings, 0 failed');
  });

  it('doctor --json returns every check in order', async () => {
    const { code, stdout } = await cli('doctor', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([
      'node',
      'server',
      'auth',
      'store',
      'disk',
      'port',
      'config',
      'log',
    ]);
  });

  it('stops cleanly on SIGTERM and exits 0', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited(10_000)).toBe(0);
  });
});

describe('codedance when the server is not there', () => {
  it('doctor fails the server check and reads the local data folder', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stdout } = await runCli([
      '--url',
      url,
      'doctor',
      '--data',
      join(tmp, 'nothing-here'),
    ]);
    expect(code).toBe(1);
    expect(checkLine(stdout, 'Server')).toMatch(
      /^✗ Server\s+cannot reach Codedance at .*ECONNREFUSED/,
    );
    expect(stdout).toContain('fix: start it with: codedance server');
    expect(checkLine(stdout, 'Port')).toMatch(/^✓ Port\s+nothing listens/);
  });

  it('status exits 3', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await runCli(['status'], { env: cleanEnv({ CODEDANCE_URL: url }) });
    expect(code).toBe(3);
    expect(stderr).toContain(`cannot reach Codedance at ${url}`);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['status', '--no-such-flag'])).code).toBe(2);
    expect((await runCli(['server', '--port', 'eighty'])).code).toBe(2);
  });

  it('server refuses a non-loopback host without an admin token and exits 78', async () => {
    const { code, stderr } = await runCli([
      'server',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--data',
      join(tmp, 'open'),
    ]);
    expect(code).toBe(78);
    expect(stderr).toContain('(CD_INVALID_CONFIG)');
    expect(stderr).toContain('/server/adminToken');
  });
});

describe('codedance with a store that is down', () => {
  it('the server still starts, /health answers 503, and doctor fails the store check with a fix', async () => {
    const { url } = await startServer('pg-down', ['--store', 'postgres://127.0.0.1:1/none']);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    const { code, stdout } = await runCli(['--url', url, 'doctor']);
    expect(code).toBe(1);
    expect(checkLine(stdout, 'Server')).toMatch(/^✓/);
    expect(checkLine(stdout, 'Store')).toMatch(/^✗ Store\s+.*CD_STORE_UNAVAILABLE/);
    expect(stdout).toContain('fix: start PostgreSQL');
  });
});

describe('codedance with an admin token', () => {
  const TOKEN = 'cli-test-token-0123456789abcdef';

  it('sends CODEDANCE_TOKEN, explains a missing one, and never prints it', async () => {
    const { url } = await startServer('token', [], cleanEnv({ CODEDANCE_ADMIN_TOKEN: TOKEN }));
    const without = await runCli(['--url', url, 'status']);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('(CD_UNAUTHENTICATED)');
    expect(without.stderr).toContain('CODEDANCE_TOKEN');

    const doctor = await runCli(['--url', url, 'doctor']);
    expect(doctor.code).toBe(1);
    expect(checkLine(doctor.stdout, 'Authentication')).toMatch(/^✗/);

    for (const args of [['status'], ['config', 'get'], ['doctor']]) {
      const run = await runCli(['--url', url, ...args], {
        env: cleanEnv({ CODEDANCE_TOKEN: TOKEN }),
      });
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
    }
  });
});
