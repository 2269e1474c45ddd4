import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import type { ErrorBody } from '@codedance/core';
import { SystemMonitor } from './monitor.js';
import { systemRoutes } from './routes.js';
import type { MetricSample, ProcessList } from '@codedance/api';
import { OwnedChildren, eventually } from './test-support/children.js';

/** A JSON answer, typed as the test expects it to be; the assertions check that it is. */
interface Answer<T> {
  status: number;
  body: T;
}

const SAMPLE_SHAPE = {
  timestamp: expect.any(String),
  cpuPercent: expect.any(Number),
  memoryPercent: expect.any(Number),
  memoryUsedBytes: expect.any(Number),
  memoryTotalBytes: expect.any(Number),
  diskPercent: expect.any(Number),
  diskUsedBytes: expect.any(Number),
  diskTotalBytes: expect.any(Number),
  loadAverage1: expect.any(Number),
};

describe('system routes over HTTP', () => {
  const children = new OwnedChildren();
  let bare: BareApp;
  let dataDir: string;
  let monitor: SystemMonitor;

  const get = async (path: string): Promise<Answer<unknown>> => {
    const response = await fetch(`${bare.url}${path}`);
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cd-system-routes-'));
    monitor = new SystemMonitor({ dataDir, intervalSeconds: 1, historySize: 3 });
    bare = await startBareApp((app) => {
      systemRoutes(app, { monitor, dataDir, maxProcesses: () => 100_000 });
    });
  });
  afterAll(async () => {
    monitor.stop();
    await bare.close();
    await children.killAll();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('GET /api/system/info describes the host, the data disk and this process', async () => {
    const { status, body } = (await get('/api/system/info')) as Answer<{
      cpus: { loadAverage: number[] };
    }>;
    expect(status).toBe(200);
    expect(body).toEqual({
      hostname: expect.any(String),
      platform: 'linux',
      release: expect.any(String),
      arch: process.arch,
      uptimeSeconds: expect.any(Number),
      node: process.version,
      cpus: {
        count: expect.any(Number),
        model: expect.any(String),
        speedMHz: expect.any(Number),
        loadAverage: expect.any(Array),
      },
      memory: {
        totalBytes: expect.any(Number),
        freeBytes: expect.any(Number),
        availableBytes: expect.any(Number),
        usedBytes: expect.any(Number),
        usedPercent: expect.any(Number),
      },
      disk: {
        path: dataDir,
        totalBytes: expect.any(Number),
        freeBytes: expect.any(Number),
        availableBytes: expect.any(Number),
        usedPercent: expect.any(Number),
      },
      process: {
        pid: process.pid,
        rssBytes: expect.any(Number),
        heapUsedBytes: expect.any(Number),
        uptimeSeconds: expect.any(Number),
      },
    });
    expect(body.cpus.loadAverage).toHaveLength(3);
  });

  it('GET /api/system/processes lists processes with the defaults', async () => {
    const { status, body } = (await get('/api/system/processes')) as Answer<ProcessList>;
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['items', 'sampledAt', 'total']);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.length).toBeLessThanOrEqual(50);
    expect(Object.keys(body.items[0]!).sort()).toEqual(
      ['command', 'cpuPercent', 'name', 'pid', 'ppid', 'rssBytes', 'startedAt', 'state'].sort(),
    );
    const cpu = body.items.map((i) => i.cpuPercent);
    expect(cpu).toEqual([...cpu].sort((a, b) => b - a));
  });

  it('GET /api/system/processes?q= finds a process by its argv marker', async () => {
    const { child, marker } = children.node();
    const body = await eventually('the marked child over HTTP', async () => {
      const answer = (await get(
        `/api/system/processes?q=${marker}&sort=pid&order=asc&limit=5`,
      )) as Answer<ProcessList>;
      return answer.status === 200 && answer.body.total === 1 ? answer.body : undefined;
    });
    expect(body.items[0]).toMatchObject({
      pid: child.pid,
      name: 'node',
      command: expect.stringContaining(marker),
    });
  });

  it('GET /api/monitoring/metrics gives the current sample and the history', async () => {
    monitor.start();
    await eventually('two periodic samples', () =>
      Promise.resolve(monitor.history().length >= 2 ? true : undefined),
    );
    type Metrics = { history: MetricSample[] };
    const { status, body } = (await get('/api/monitoring/metrics')) as Answer<Metrics>;
    expect(status).toBe(200);
    expect(body).toEqual({
      enabled: true,
      intervalSeconds: 1,
      current: SAMPLE_SHAPE,
      history: expect.any(Array),
    });
    for (const sample of body.history) expect(sample).toEqual(SAMPLE_SHAPE);
    const limited = (await get('/api/monitoring/metrics?limit=1')) as Answer<Metrics>;
    expect(limited.body.history).toHaveLength(1);
    expect(limited.body.history[0]).toEqual(SAMPLE_SHAPE);
  });

  it.each([
    ['/api/system/processes?limit=0', 'limit'],
    ['/api/system/processes?limit=1001', 'limit'],
    ['/api/system/processes?limit=abc', 'limit'],
    ['/api/system/processes?sort=bogus', 'sort'],
    ['/api/system/processes?order=up', 'order'],
    ['/api/system/processes?unknown=1', 'unknown'],
    ['/api/monitoring/metrics?limit=0', 'limit'],
    ['/api/monitoring/metrics?limit=abc', 'limit'],
    ['/api/monitoring/metrics?unknown=1', 'unknown'],
  ])('GET %s is a 400 naming %s', async (path, parameter) => {
    const { status, body } = (await get(path)) as Answer<ErrorBody>;
    expect(status).toBe(400);
    expect(body.error.code).toBe('CD_VALIDATION_FAILED');
    expect(body.error.message).toContain(parameter);
  });
});
