import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

describe('codedance server over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('answers /health with the store ready', async () => {
    const { status, body } = await server.json<{
      status: string;
      ready: boolean;
      store: { backend: string; ok: boolean };
    }>('/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      live: true,
      ready: true,
      store: { backend: 'sqlite', ok: true },
    });
  });

  it('answers /api/status with version, uptime, store and counts', async () => {
    const { status, body } = await server.json<Record<string, unknown>>('/api/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      name: 'codedance',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      pid: process.pid,
      store: { backend: 'sqlite', ok: true, schemaVersion: expect.any(Number) },
      counts: expect.any(Object),
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('serves an OpenAPI document that lists every route, and a browsable UI', async () => {
    const { status, body } = await server.json<{ openapi: string; paths: Record<string, unknown> }>(
      '/api/openapi.json',
    );
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    for (const path of [
      '/health',
      '/api/status',
      '/api/system/info',
      '/api/system/processes',
      '/api/monitoring/metrics',
      '/api/settings/config',
      '/api/settings/validate-config',
      '/api/settings/storage-info',
      '/api/system/server-log',
      '/metrics',
    ]) {
      expect(body.paths, path).toHaveProperty([path]);
    }
    // The live streams are documented too, as GET requests that upgrade, with their filters.
    const live = body.paths as Record<
      string,
      { get?: { summary?: string; parameters?: { name: string; in: string }[] } }
    >;
    for (const [path, filters] of [
      ['/ws', []],
      ['/ws/logs', ['kind', 'id', 'level', 'since', 'batch']],
      ['/ws/events', ['types', 'since']],
    ] as const) {
      expect(live[path]?.get?.summary, path).toMatch(/WebSocket/);
      const names = (live[path]?.get?.parameters ?? []).map((p) => p.name);
      expect(names, path).toEqual(expect.arrayContaining([...filters]));
      // Sockets sign in like every other route: a header or the session cookie, never the URL.
      expect(names, path).not.toContain('token');
    }
    const ui = await server.get('/api/docs/');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('exposes Prometheus metrics of itself', async () => {
    await server.get('/api/status');
    const response = await server.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('codedance_store_up{backend="sqlite"} 1');
    expect(text).toMatch(
      /codedance_http_request_duration_seconds_count\{method="GET",route="\/api\/status",status_code="200"\} \d+/,
    );
    expect(text).toContain('codedance_process_resident_memory_bytes');
  });

  it('reports storage information', async () => {
    const { status, body } = await server.json<Record<string, unknown>>(
      '/api/settings/storage-info',
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      backend: 'sqlite',
      dataDir: server.dataDir,
      configFile: join(server.dataDir, 'config.json'),
    });
    expect(body.schemaVersion).toBe(body.latestSchemaVersion);
  });

  it('returns the configuration with its sources', async () => {
    const { status, body } = await server.json<{
      config: { server: { port: number } };
      sources: Record<string, string>;
    }>('/api/settings/config');
    expect(status).toBe(200);
    expect(body.config.server.port).toBe(0);
    expect(body.sources['/server/port']).toBe('flag:port');
    expect(body.sources['/logging/level']).toBe('default');
  });

  it('validates a candidate configuration and names every problem', async () => {
    const { status, body } = await server.json<{ valid: boolean; problems: { path: string }[] }>(
      '/api/settings/validate-config',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          logging: { level: 'LOUD' },
          tasks: { maxConcurrent: 0 },
          nope: true,
        }),
      },
    );
    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    expect(body.problems.map((p) => p.path).sort()).toEqual([
      '/logging/level',
      '/nope',
      '/tasks/maxConcurrent',
    ]);
  });

  it('applies live settings at once and says which need a restart', async () => {
    const { status, body } = await server.json<{
      applied: string[];
      restartRequired: string[];
      config: { logging: { level: string } };
    }>('/api/settings/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        logging: { level: 'DEBUG' },
        store: { url: 'json:/tmp/elsewhere.json' },
      }),
    });
    expect(status).toBe(200);
    expect(body.applied).toEqual(['/logging/level']);
    expect(body.restartRequired).toEqual(['/store/url']);
    expect(body.config.logging.level).toBe('DEBUG');
    const onDisk = JSON.parse(
      await readFile(join(server.dataDir, 'config.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(onDisk).toEqual({
      logging: { level: 'DEBUG' },
      store: { url: 'json:/tmp/elsewhere.json' },
    });
    const after = await server.json<{
      config: { store: { url: string } };
      pendingRestart: string[];
    }>('/api/settings/config');
    expect(after.body.config.store.url).toMatch(/^sqlite:/);
    expect(after.body.pendingRestart).toEqual(['/store/url']);
  });

  it('refuses an invalid change with 422 and leaves config.json alone', async () => {
    const before = await readFile(join(server.dataDir, 'config.json'), 'utf8');
    const { status, body } = await server.json<{
      error: { code: string; message: string; details: { problems: unknown[] } };
    }>('/api/settings/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ monitoring: { interval: -1 } }),
    });
    expect(status).toBe(422);
    expect(body.error.code).toBe('CD_INVALID_CONFIG');
    expect(body.error.message).toContain('/monitoring/interval');
    expect(await readFile(join(server.dataDir, 'config.json'), 'utf8')).toBe(before);
  });

  it('reloads config.json when it is edited on disk', async () => {
    const file = join(server.dataDir, 'config.json');
    await writeFile(file, JSON.stringify({ logging: { level: 'ERROR' } }));
    await waitFor(
      async () => {
        const { body } = await server.json<{ config: { logging: { level: string } } }>(
          '/api/settings/config',
        );
        return body.config.logging.level === 'ERROR';
      },
      10_000,
      'the edited config.json to apply',
    );
    // A broken edit is reported in the log and the running configuration stays.
    await writeFile(file, '{ "logging": { "level": ');
    await waitFor(
      async () => {
        const { body } = await server.json<{ lines: { msg: string }[] }>(
          '/api/system/server-log?level=ERROR&limit=5',
        );
        return body.lines.some((l) => l.msg.includes('not valid'));
      },
      10_000,
      'the broken edit to be logged',
    );
    const { body } = await server.json<{ config: { logging: { level: string } } }>(
      '/api/settings/config',
    );
    expect(body.config.logging.level).toBe('ERROR');
    // Validating with an empty body judges the file as it is on disk now.
    const report = await server.json<{ valid: boolean; problems: { message: string }[] }>(
      '/api/settings/validate-config',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(report.body.valid).toBe(false);
    expect(report.body.problems[0]?.message).toMatch(/not valid JSON/);
  });

  it('reports a bad value in a candidate even when a flag overrides it now', async () => {
    const { body } = await server.json<{
      valid: boolean;
      problems: { path: string; message: string }[];
    }>('/api/settings/validate-config', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server: { port: 70000 } }),
    });
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual([
      { path: '/server/port', message: 'must be <= 65535 (overridden now by flag:port)' },
    ]);
  });
});

describe('server start-up rules', () => {
  it('refuses a non-loopback address without an admin token', async () => {
    await expect(startTestServer({ flags: { server: { host: '0.0.0.0' } } })).rejects.toMatchObject(
      {
        code: 'CD_INVALID_CONFIG',
        message: expect.stringContaining('without an admin token'),
      },
    );
  });

  it('requires the admin token on the API when one is configured', async () => {
    const token = 'test-token-0123456789abcdef';
    const server = await startTestServer({ env: { CODEDANCE_ADMIN_TOKEN: token } });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const denied = await server.json<{ error: { code: string } }>('/api/status', {
        headers: { authorization: '' },
      });
      expect(denied.status).toBe(401);
      expect(denied.body.error.code).toBe('CD_UNAUTHENTICATED');
      const wrong = await server.get('/api/status', {
        headers: { authorization: 'Bearer not-the-token-at-all' },
      });
      expect(wrong.status).toBe(401);
      const ok = await server.get('/api/status', { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      const config = await server.json<{ config: { server: { adminToken: string } } }>(
        '/api/settings/config',
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      expect(config.body.config.server.adminToken).toBe('[redacted]');
      const log = await readFile(join(server.dataDir, 'logs', 'codedance.log'), 'utf8');
      expect(log).not.toContain(token);
    } finally {
      await server.cleanup();
    }
  });

  it('refuses to start on an invalid config.json, naming every problem', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dataDir = await mkdtemp(join(tmpdir(), 'codedance-bad-'));
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ server: { bodyLimit: 'big' }, logging: { maxFiles: 0 } }),
    );
    await expect(startTestServer({ dataDir })).rejects.toMatchObject({
      code: 'CD_INVALID_CONFIG',
      details: {
        problems: expect.arrayContaining([
          expect.objectContaining({ path: '/server/bodyLimit' }),
          expect.objectContaining({ path: '/logging/maxFiles' }),
        ]),
      },
    });
  });
});
