import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../../packages/cli/src/test-support/cli.js';
import { freePort, shopManifest } from '../delivery/support.js';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';

/**
 * What the server keeps on disk is for its user only, whatever the umask,
 * and a secret variable is never shown: not in an answer, an export, a log
 * line or the process list.
 */

const SECRET = 'sk-live-5f0c1d2e3a4b';
const MASK = '********';
let server: TestServer;
const previousUmask = process.umask(0o000);

beforeAll(async () => {
  // The loosest umask there is: every mode below must come from the server itself.
  server = await startTestServer();
});
afterAll(async () => {
  await server.json('/api/services/holder', { method: 'DELETE' }).catch(() => undefined);
  await server.json('/api/apps/test/perm', { method: 'DELETE' }).catch(() => undefined);
  await server.cleanup();
  process.umask(previousUmask);
});

async function send(path: string, method: string, body?: unknown) {
  return server.json<Record<string, unknown>>(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

async function runTask(id: string): Promise<void> {
  const started = await send(`/api/tasks/${id}/run`, 'POST');
  expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
  await waitFor(
    async () => {
      const { body } = await server.json<{ lastRun: { status: string } | null; running: number }>(
        `/api/tasks/${id}`,
      );
      return body.running === 0 && body.lastRun !== null && body.lastRun.status !== 'RUNNING';
    },
    15_000,
    `task ${id} to finish`,
  );
}

describe('secret environment values', () => {
  it('reach the process but never an answer, an export, a log line or the process list', async () => {
    const created = await send('/api/tasks', 'POST', {
      id: 'uses-secret',
      script_path: '/bin/sh',
      args: ['-c', 'echo "key is $API_KEY"; echo "plain is $PLAIN"'],
      environment: { API_KEY: { value: SECRET, secret: true }, PLAIN: 'visible' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(SECRET);
    expect(created.body.environment).toEqual({
      API_KEY: { value: MASK, secret: true },
      PLAIN: 'visible',
    });
    await runTask('uses-secret');
    const logs = await server.json<{ entries: { line: string }[] }>('/api/logs?task=uses-secret');
    const lines = logs.body.entries.map((e) => e.line);
    expect(lines).toContain(`key is ${MASK}`);
    expect(lines).toContain('plain is visible');
    expect(JSON.stringify(logs.body)).not.toContain(SECRET);

    // An edit that sends the mask back keeps the secret: the next run still has it.
    const task = (await server.json<Record<string, unknown>>('/api/tasks/uses-secret')).body;
    const {
      version: _v,
      status: _s,
      running: _r,
      queued: _q,
      nextRunAt: _n,
      lastRun: _l,
      upcoming: _u,
      stats: _t,
      ...spec
    } = task;
    const edited = await send('/api/tasks/uses-secret', 'PUT', {
      ...spec,
      // The secret itself must not be written here: the arguments are not secret.
      args: [
        '-c',
        `case "$API_KEY" in sk-live-*) [ "\${#API_KEY}" = ${SECRET.length} ] && echo same;; *) echo lost;; esac`,
      ],
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await runTask('uses-secret');
    const after = await server.json<{ entries: { line: string }[] }>('/api/logs?task=uses-secret');
    expect(after.body.entries.map((e) => e.line)).toContain('same');

    for (const format of ['json', 'csv']) {
      const exported = await server.get('/api/export/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ format }),
      });
      const text = await exported.text();
      expect(text, format).toContain(MASK);
      expect(text, format).not.toContain(SECRET);
    }

    // The export imported back changes nothing: its masks stand for the stored secrets.
    const exported = await (
      await server.get('/api/export/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ format: 'json' }),
      })
    ).text();
    const imported = await server.json<{ plan: { update: unknown[]; create: string[] } }>(
      '/api/import/tasks',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          format: 'tasks.json',
          content: JSON.parse(exported) as unknown,
          apply: true,
        }),
      },
    );
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.plan.update).toEqual([]);
    await runTask('uses-secret');
    const last = await server.json<{ entries: { line: string }[] }>(
      '/api/logs?task=uses-secret&limit=5',
    );
    expect(last.body.entries.map((e) => e.line)).toContain('same');

    const refused = await send('/api/tasks', 'POST', {
      id: 'mask-only',
      script_path: '/bin/true',
      environment: { API_KEY: { value: MASK, secret: true } },
    });
    expect(refused.status).toBe(400);
  });

  it('are masked on the command lines of the process list, which shows no environment', async () => {
    const created = await send('/api/services?start=true', 'POST', {
      name: 'holder',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)', SECRET],
      env: { TOKEN: { value: SECRET, secret: true } },
    });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    expect((created.body.spec as { env: unknown }).env).toEqual({
      TOKEN: { value: MASK, secret: true },
    });
    const listed = await server.json<{ items: { command: string }[] }>(
      '/api/system/processes?q=setInterval&limit=50',
    );
    const text = JSON.stringify(listed.body);
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect(text).toContain(MASK);
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/environ|"env"/i);
    const service = await server.json<{ spec: { env: unknown } }>('/api/services/holder');
    expect(service.body.spec.env).toEqual({ TOKEN: { value: MASK, secret: true } });
  });
});

describe('the data folder', () => {
  it('holds only 0700 folders and 0600 files after tasks, a service, a release and an export', async () => {
    const port = await freePort();
    const manifest = shopManifest('perm', port, {
      instances: 1,
      strategy: { type: 'ALL_AT_ONCE' },
    });
    const applied = await send('/api/apply', 'POST', manifest);
    expect(applied.status, JSON.stringify(applied.body)).toBeLessThan(300);
    const release = await send('/api/deployments', 'POST', {
      app: 'perm',
      namespace: 'test',
      version: 'v1',
    });
    expect(release.status, JSON.stringify(release.body)).toBe(201);
    await waitFor(
      async () =>
        ['COMPLETED', 'FAILED', 'ROLLED_BACK'].includes(
          (await server.json<{ status: string }>(`/api/deployments/${String(release.body.id)}`))
            .body.status,
        ),
      60_000,
      'the release to end',
    );
    const exported = await runCli(
      [
        '--url',
        server.url,
        'export',
        'tasks',
        '--output',
        join(server.dataDir, 'tasks-export.json'),
      ],
      { env: cleanEnv({ CODEDANCE_DATA: server.dataDir }) },
    );
    expect(exported.code, exported.stderr).toBe(0);

    const loose: string[] = [];
    const seen: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const mode = (await lstat(path)).mode & 0o777;
        seen.push(path);
        if (entry.isDirectory()) {
          if (mode !== 0o700) loose.push(`${path} ${mode.toString(8)}`);
          await walk(path);
        } else if (entry.isFile() && mode !== 0o600) loose.push(`${path} ${mode.toString(8)}`);
      }
    };
    const root = (await lstat(server.dataDir)).mode & 0o777;
    expect(root.toString(8)).toBe('700');
    await walk(server.dataDir);
    expect(loose).toEqual([]);
    for (const expected of [
      'codedance.db',
      'codedance.db-wal',
      'credentials/admin-token',
      'logs/codedance.log',
      'tasks-export.json',
    ]) {
      expect(seen, expected).toContain(join(server.dataDir, expected));
    }
    expect(seen.some((p) => p.includes(join('logs', 'tasks')))).toBe(true);
    expect(seen.some((p) => p.includes(join('logs', 'services')))).toBe(true);
    expect(await readFile(join(server.dataDir, 'tasks-export.json'), 'utf8')).not.toContain(SECRET);
  });
});
