import { describe, expect, it } from 'vitest';
import type { Health, ServerStatus, StorageInfo, ConfigReport } from '@codedance/api';
import {
  checkAuth,
  checkConfig,
  checkDisk,
  checkLog,
  checkNode,
  checkPort,
  checkServer,
  checkStore,
  describeLogLine,
  summarize,
  urlPort,
} from './checks.js';
import type { Fetched, HealthProbe } from './facts.js';

const URL = 'http://127.0.0.1:8100';
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const healthy: Health = {
  status: 'ok',
  live: true,
  ready: true,
  store: { backend: 'sqlite', ok: true, latencyMs: 1.4, checkedAt: '2026-12-07T10:00:00.000Z' },
};
const up: HealthProbe = { kind: 'codedance', httpStatus: 200, body: healthy };
const storeDown: HealthProbe = {
  kind: 'codedance',
  httpStatus: 503,
  body: {
    status: 'unavailable',
    live: true,
    ready: false,
    store: {
      backend: 'postgres',
      ok: false,
      latencyMs: null,
      checkedAt: '2026-12-07T10:00:00.000Z',
      error: { code: 'CD_STORE_UNAVAILABLE', message: 'The postgres store cannot be reached.' },
    },
    error: { code: 'CD_STORE_UNAVAILABLE', message: 'The postgres store cannot be reached.' },
  },
};
const down: HealthProbe = { kind: 'unreachable', reason: 'connection refused (ECONNREFUSED)' };
const foreign: HealthProbe = { kind: 'foreign', httpStatus: 404 };

const storage = (schemaVersion: number, latestSchemaVersion = 3): StorageInfo => ({
  backend: 'sqlite',
  location: 'sqlite:/data/codedance.db',
  schemaVersion,
  latestSchemaVersion,
  sizeBytes: 2048,
  kinds: {},
  dataDir: '/data',
  configFile: '/data/config.json',
  logFile: '/data/logs/codedance.log',
  logDirBytes: 0,
});

describe('checkNode', () => {
  it.each([
    ['v20.19.0', 'pass'],
    ['v20.20.2', 'pass'],
    ['v22.1.0', 'pass'],
    ['v20.18.9', 'fail'],
    ['v18.20.0', 'fail'],
  ])('%s → %s', (version, status) => {
    expect(checkNode(version).status).toBe(status);
  });

  it('says what to install when too old', () => {
    expect(checkNode('v18.0.0').fix).toMatch(/20\.19/);
  });
});

describe('checkServer', () => {
  it('passes when Codedance answers, even with its store down', () => {
    expect(checkServer(URL, up).status).toBe('pass');
    expect(checkServer(URL, storeDown)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('not ready'),
    });
  });

  it('fails with the reason and how to start it when nothing answers', () => {
    const result = checkServer(URL, down);
    expect(result).toMatchObject({ id: 'server', status: 'fail' });
    expect(result.detail).toBe(
      `cannot reach Codedance at ${URL}: connection refused (ECONNREFUSED)`,
    );
    expect(result.fix).toContain('codedance server');
  });

  it('fails when another program answers', () => {
    expect(checkServer(URL, foreign).detail).toContain('not like Codedance');
  });
});

describe('checkAuth', () => {
  const status = { ok: true, value: { version: '0.1.0' } as ServerStatus } as const;

  it('passes when the authenticated call succeeds', () => {
    expect(checkAuth(up, status, true)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('admin token'),
    });
  });

  it('tells to set CODEDANCE_TOKEN on 401', () => {
    const result = checkAuth(
      up,
      { ok: false, status: 401, code: 'CD_UNAUTHENTICATED', message: 'A token is required.' },
      false,
    );
    expect(result.status).toBe('fail');
    expect(result.fix).toContain('CODEDANCE_TOKEN');
  });

  it('is not checked when the server is down', () => {
    expect(checkAuth(down, null, false)).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^not checked/),
    });
  });
});

describe('checkStore', () => {
  it('passes for a reachable store at the latest schema', () => {
    const result = checkStore(up, { ok: true, value: storage(3) });
    expect(result.status).toBe('pass');
    expect(result.detail).toContain('schema 3 (latest)');
  });

  it('fails with the store error and a backend-specific fix', () => {
    const result = checkStore(storeDown, null);
    expect(result).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('CD_STORE_UNAVAILABLE'),
    });
    expect(result.fix).toMatch(/start PostgreSQL/);
    expect(result.fix).toMatch(/store\.url/);
  });

  it('fails when the schema is behind', () => {
    const result = checkStore(up, { ok: true, value: storage(2) });
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringContaining('version 2') });
    expect(result.fix).toMatch(/migrat/);
  });

  it('fails when the schema is newer than the server', () => {
    expect(checkStore(up, { ok: true, value: storage(4) }).status).toBe('fail');
  });

  it('is not judged when the token was refused (the auth check says so)', () => {
    const refused = { ok: false, status: 401, code: 'CD_UNAUTHENTICATED', message: 'no' } as const;
    expect(checkStore(up, refused).status).toBe('warn');
  });
});

describe('checkDisk', () => {
  const disk = (availableBytes: number, totalBytes: number) =>
    checkDisk({
      source: 'server',
      facts: { path: '/data', totalBytes, freeBytes: availableBytes, availableBytes },
    });

  it.each([
    [50 * GIB, 100 * GIB, 'pass'],
    [9 * GIB, 100 * GIB, 'warn'], // under 10 %
    [900 * MIB, 5 * GIB, 'warn'], // under 1 GiB
    [1.5 * GIB, 100 * GIB, 'fail'], // under 2 %
    [150 * MIB, 500 * MIB, 'fail'], // under 200 MiB
  ])('%d of %d bytes → %s', (available, total, status) => {
    expect(disk(available, total).status).toBe(status);
  });

  it('names the path and the share available', () => {
    expect(disk(50 * GIB, 100 * GIB).detail).toBe(
      '50.0 GB available of 100.0 GB (50.0 %) on /data',
    );
  });

  it('warns when the folder cannot be measured', () => {
    expect(checkDisk({ source: 'local', path: '/nope', error: 'EACCES' }).status).toBe('warn');
  });
});

describe('checkPort', () => {
  it('passes with the URL when Codedance listens', () => {
    expect(checkPort(URL, up, null)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining(URL),
    });
  });

  it('fails when something else accepts connections on the port', () => {
    const result = checkPort(URL, down, 'open');
    expect(result).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('port 8100 is taken by another program'),
    });
    expect(result.fix).toContain('--port');
  });

  it('fails when another HTTP server answers', () => {
    expect(checkPort(URL, foreign, null).status).toBe('fail');
  });

  it('passes when the port is free', () => {
    expect(checkPort(URL, down, 'closed').status).toBe('pass');
  });

  it('warns when it cannot tell', () => {
    expect(checkPort(URL, down, { error: 'EHOSTUNREACH' }).status).toBe('warn');
  });
});

describe('urlPort', () => {
  it('fills in the default port of the scheme', () => {
    expect(urlPort('http://example.com')).toEqual({ host: 'example.com', port: 80 });
    expect(urlPort('https://example.com')).toEqual({ host: 'example.com', port: 443 });
    expect(urlPort('http://[::1]:8100')).toEqual({ host: '::1', port: 8100 });
  });
});

describe('checkConfig', () => {
  const report = (
    valid: boolean,
    problems: { path: string; message: string }[] = [],
  ): Fetched<ConfigReport> => ({
    ok: true,
    value: { valid, problems, live: [], restart: [], overridden: [] },
  });

  it('passes for a valid configuration', () => {
    expect(
      checkConfig({ source: 'server', file: '/data/config.json', report: report(true) }).status,
    ).toBe('pass');
  });

  it('fails and lists every problem', () => {
    const result = checkConfig({
      source: 'local',
      file: '/data/config.json',
      report: report(false, [{ path: '/server/port', message: 'must be <= 65535' }]),
    });
    expect(result.status).toBe('fail');
    expect(result.evidence).toEqual(['/server/port: must be <= 65535']);
    expect(result.fix).toContain('exit 78');
  });
});

describe('checkLog', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const line = (time: string, msg: string) => ({ time, level: 'ERROR', msg });

  it('passes when there are no errors in the last hour', () => {
    const old = line('2026-01-01T10:00:00Z', 'old');
    expect(checkLog({ source: 'server', file: 'f', lines: [old] }, now).status).toBe('pass');
  });

  it('warns with the newest 5 recent errors, time and message', () => {
    const lines = Array.from({ length: 7 }, (_, i) =>
      line(`2026-01-01T11:5${9 - i}:00.000Z`, `boom ${i}`),
    );
    const result = checkLog({ source: 'server', file: '/data/logs/codedance.log', lines }, now);
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/^7 errors in the last hour; newest 5/);
    expect(result.evidence).toHaveLength(5);
    expect(result.evidence?.[0]).toBe('2026-01-01T11:59:00.000Z  boom 0');
  });

  it('shows a stopped server’s last errors whatever their age', () => {
    const result = checkLog(
      { source: 'local', file: 'f', lines: [line('2025-06-01T00:00:00Z', 'store is unreachable')] },
      now,
    );
    expect(result.status).toBe('warn');
    expect(result.evidence?.[0]).toContain('store is unreachable');
  });
});

describe('describeLogLine', () => {
  it('adds the error message a generic message wraps', () => {
    expect(
      describeLogLine({
        time: '',
        level: 'ERROR',
        msg: 'store is unreachable',
        err: { message: 'connect ECONNREFUSED' },
      }),
    ).toBe('store is unreachable: connect ECONNREFUSED');
  });

  it('describes a failed request', () => {
    expect(
      describeLogLine({
        time: '',
        level: 'ERROR',
        msg: 'request',
        method: 'GET',
        url: '/health',
        status: 503,
      }),
    ).toBe('request GET /health → 503');
  });
});

describe('summarize', () => {
  it('counts and fails only on failures', () => {
    const checks = [checkNode('v20.20.0'), checkAuth(down, null, false), checkServer(URL, down)];
    expect(summarize(checks)).toEqual({ ok: false, passed: 1, warnings: 1, failed: 1 });
    expect(summarize(checks.slice(0, 2)).ok).toBe(true);
  });
});
