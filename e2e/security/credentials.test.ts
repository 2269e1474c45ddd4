import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, runCli } from '../../packages/cli/src/test-support/cli.js';
import { startServerChild, stopServer } from '../../packages/cli/src/test-support/server-child.js';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';
import { closed, signIn, upgrade } from './support.js';

const run = promisify(execFile);
const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.cleanup();
});

async function started(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

/** A signed-in session and a socket opened with it, and a socket opened with the token. */
async function holders(server: TestServer) {
  const cookie = await signIn(server);
  const bySession = await upgrade(server, '/ws', { cookie });
  const byToken = await upgrade(server, '/ws/events', server.auth);
  if (!('socket' in bySession) || !('socket' in byToken)) throw new Error('a socket was refused');
  return {
    cookie,
    closes: Promise.all([closed(bySession.socket), closed(byToken.socket)]),
  };
}

async function expectRevoked(server: TestServer, cookie: string, oldToken: string) {
  const session = await fetch(`${server.url}/api/status`, { headers: { cookie } });
  expect(session.status).toBe(401);
  const token = await fetch(`${server.url}/api/status`, {
    headers: { authorization: `Bearer ${oldToken}` },
  });
  expect(token.status).toBe(401);
}

describe('rotating the admin credential', () => {
  it('by the API: a new token in the file, every session ended, every socket closed 4401', async () => {
    const server = await started();
    const before = server.token;
    const { cookie, closes } = await holders(server);
    const rotated = await server.json<{
      token: string;
      sessionsEnded: number;
      socketsClosed: number;
    }>('/api/auth/admin-token/rotate', { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.sessionsEnded).toBe(1);
    expect(rotated.body.socketsClosed).toBe(2);
    expect(await closes).toEqual([
      { code: 4401, reason: 'admin credential rotated' },
      { code: 4401, reason: 'admin credential rotated' },
    ]);
    await expectRevoked(server, cookie, before);
    const file = (
      await readFile(join(server.dataDir, 'credentials', 'admin-token'), 'utf8')
    ).trim();
    expect(file).toBe(rotated.body.token);
    expect(file).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const fresh = await fetch(`${server.url}/api/status`, {
      headers: { authorization: `Bearer ${file}` },
    });
    expect(fresh.status).toBe(200);
  });

  it('with codedance token rotate, which reads the credential from the data folder by itself', async () => {
    const server = await started();
    const before = server.token;
    const { cookie, closes } = await holders(server);
    const rotated = await runCli(['--url', server.url, 'token', 'rotate'], {
      env: cleanEnv({ CODEDANCE_DATA: server.dataDir }),
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('1 dashboard session(s) ended, 2 live connection(s) closed');
    expect(rotated.stdout).not.toContain(before);
    expect((await closes).map((c) => c.code)).toEqual([4401, 4401]);
    await expectRevoked(server, cookie, before);
    // The CLI finds the new token as it found the old one.
    const status = await runCli(['--url', server.url, 'status'], {
      env: cleanEnv({ CODEDANCE_DATA: server.dataDir }),
    });
    expect(status.code, status.stderr).toBe(0);
  });

  it('by a new server.adminToken in the configuration', async () => {
    const server = await started();
    const before = server.token;
    const { cookie, closes } = await holders(server);
    const next = 'a-configured-admin-token-0123456789';
    const changed = await server.json('/api/settings/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server: { adminToken: next } }),
    });
    expect(changed.status).toBe(200);
    expect((await closes).map((c) => c.code)).toEqual([4401, 4401]);
    await expectRevoked(server, cookie, before);
    const fresh = await fetch(`${server.url}/api/status`, {
      headers: { authorization: `Bearer ${next}` },
    });
    expect(fresh.status).toBe(200);
    // The generated file would only mislead: it is gone while a token is configured.
    await expect(readFile(join(server.dataDir, 'credentials', 'admin-token'))).rejects.toThrow();
    const refused = await fetch(`${server.url}/api/auth/admin-token/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${next}` },
    });
    expect(refused.status).toBe(409);
  });
});

describe('the admin token of a server that listens off loopback', () => {
  it('cannot be removed or shortened live, by the API or by editing config.json', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'codedance-e2e-'));
    const token = 'an-admin-token-for-every-interface-0123';
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ server: { adminToken: token } }),
    );
    const server = await started({ dataDir, flags: { server: { host: '0.0.0.0' } } });
    const base = server.url.replace('0.0.0.0', '127.0.0.1');
    const auth = { authorization: `Bearer ${token}` };
    const put = (adminToken: string | null) =>
      fetch(`${base}/api/settings/config`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ server: { adminToken } }),
      });
    for (const value of [null, 'short-but-16-chars']) {
      const refused = await put(value);
      expect(refused.status, String(value)).toBe(422);
      expect(JSON.stringify(await refused.json())).toContain('/server/adminToken');
    }
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ server: {} }));
    const log = join(dataDir, 'logs', 'codedance.log');
    await waitFor(
      async () => (await readFile(log, 'utf8')).includes('is not valid; keeping the previous'),
      10_000,
      'the edit to be refused',
    );
    expect((await readFile(log, 'utf8')).includes(token)).toBe(false);
    expect((await fetch(`${base}/api/status`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  });
});

describe('a store URL with a password', () => {
  it('never shows the password, in the user part or as ?password=, anywhere', async () => {
    const server = await started({
      flags: { store: { url: 'postgres://cd:hunter2user@127.0.0.1:1/none?password=qsecret99' } },
    });
    const seen: string[] = [];
    for (const path of [
      '/api/settings/config',
      '/api/status',
      '/api/settings/storage-info',
      '/health',
      '/api/system/server-log?level=DEBUG',
    ]) {
      seen.push(`${path}: ${JSON.stringify((await server.json(path)).body)}`);
    }
    const doctor = await runCli(['--url', server.url, 'doctor', '--json'], {
      env: cleanEnv({ CODEDANCE_DATA: server.dataDir }),
    });
    seen.push(doctor.stdout, doctor.stderr);
    seen.push(await readFile(join(server.dataDir, 'logs', 'codedance.log'), 'utf8'));
    const all = seen.join('\n');
    expect(all).toContain('127.0.0.1:1');
    expect(all).not.toContain('hunter2user');
    expect(all).not.toContain('qsecret99');
  });
});

/** Runs as root? Then a throwaway account can be made to play the other local user. */
const asRoot = process.getuid?.() === 0;

describe('another local account', () => {
  it.skipIf(!asRoot)(
    'cannot read the credential, and the CLI run as that account is refused (401)',
    async () => {
      const server = await started();
      const user = `cdtest${process.pid % 100000}`;
      await run('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', user]).catch(
        (error: unknown) => {
          if (!String(error).includes('already exists')) throw error;
        },
      );
      try {
        const as = (command: string[]) =>
          run('runuser', ['-u', user, '--', ...command], {
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() },
          }).then(
            (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
            (error: unknown) => error as { code: number; stdout: string; stderr: string },
          );
        const cat = await as(['cat', join(server.dataDir, 'credentials', 'admin-token')]);
        expect(cat.code).not.toBe(0);
        expect(cat.stderr).toContain('Permission denied');

        const cli = await as([
          process.execPath,
          BIN,
          '--url',
          server.url,
          '--data',
          server.dataDir,
          'status',
        ]);
        expect(cli.code).toBe(1);
        expect(cli.stderr).toContain('CD_UNAUTHENTICATED');
        expect(cli.stderr).toContain('permission denied');

        const curl = await as([
          process.execPath,
          '-e',
          `fetch(${JSON.stringify(`${server.url}/api/tasks`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'x', script_path: '/bin/true' }) }).then((r) => console.log(r.status))`,
        ]);
        expect(curl.stdout.trim()).toBe('401');
      } finally {
        await run('userdel', [user]).catch(() => undefined);
      }
    },
  );
});

describe('the CLI on the same host, with nothing to copy', () => {
  it('prints a sign-in link at start, finds the server from any folder, and prints new links', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'codedance-e2e-'));
    const child = await startServerChild(dataDir);
    try {
      const printed = await waitForText(
        () => child.server.stderr(),
        /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/login\?code=[A-Za-z0-9_-]+)/,
      );
      expect(child.server.stdout()).not.toContain('login?code=');
      const link = await fetch(printed, { redirect: 'manual' });
      expect(link.status).toBe(303);
      expect(link.headers.get('set-cookie')).toContain('HttpOnly');

      // From another folder, with no flag and no variable: the registry names the data folder.
      const elsewhere = await mkdtemp(join(tmpdir(), 'codedance-cwd-'));
      const status = await runCli(
        ['--url', child.url.replace('127.0.0.1', 'localhost'), 'status'],
        {
          cwd: elsewhere,
        },
      );
      expect(status.code, status.stderr).toBe(0);
      const registry = join(homedir(), '.local', 'state', 'codedance', 'servers');
      const entry = join(
        process.env.XDG_RUNTIME_DIR === undefined
          ? registry
          : join(process.env.XDG_RUNTIME_DIR, 'codedance', 'servers'),
        `loopback-${new URL(child.url).port}.json`,
      );
      expect(((await stat(entry)).mode & 0o777).toString(8)).toBe('600');

      const dashboard = await runCli(['--url', child.url, 'dashboard'], { cwd: elsewhere });
      expect(dashboard.code, dashboard.stderr).toBe(0);
      const fresh = dashboard.stdout.trim();
      expect(fresh).toMatch(/\/login\?code=/);
      expect((await fetch(fresh, { redirect: 'manual' })).headers.get('location')).toBe('/');

      // A server that is not the one on that port gets nothing from this user's files.
      const other = await runCli(['--url', 'http://example.invalid:8100', 'status'], {
        cwd: elsewhere,
        env: cleanEnv({ CODEDANCE_DATA: dataDir }),
      });
      expect(other.code).toBe(3);

      await stopServer(child.server);
      await expect(stat(entry)).rejects.toThrow();
      await rm(elsewhere, { recursive: true, force: true });
    } finally {
      child.server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('behind a TLS proxy', () => {
  it('marks the cookie Secure when a trusted proxy says https, and only then', async () => {
    const proxied = await started({ env: { CODEDANCE_TRUST_PROXY: 'true' } });
    const overTls = await fetch(proxied.loginLink().url, {
      redirect: 'manual',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(overTls.headers.get('set-cookie')).toContain('Secure');
    const direct = await started();
    const forged = await fetch(direct.loginLink().url, {
      redirect: 'manual',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(forged.status).toBe(303);
    expect(forged.headers.get('set-cookie')).not.toContain('Secure');
  });
});

async function waitForText(read: () => string, pattern: RegExp): Promise<string> {
  let found: string | undefined;
  await waitFor(() => (found = pattern.exec(read())?.[1]) !== undefined, 10_000, String(pattern));
  return found ?? '';
}
