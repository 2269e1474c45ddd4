import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

/**
 * A service running `yes` and a task flooding its stdout from Node, under a
 * real server with a small rotation (1 MB × 3): the log folder stays within
 * its rotation while they run and after, /health keeps answering, and
 * stopping each takes moments. Timings are only held to generous sanity
 * bounds here; `bench/log-flood.mjs` measures them.
 */

const MAX_SIZE = 1024 * 1024;
const MAX_FILES = 3;
/** What one rotated set of files (a raw stream, the journal, the server log) may take. */
const SET_BOUND = MAX_SIZE * (MAX_FILES + 1);

/** Blocking writes of 100-byte numbered lines, as fast as the pipe takes them, for a minute at most. */
const FLOOD = [
  'const fs = require("fs");',
  'const end = Date.now() + 60000;',
  'for (let i = 0; Date.now() < end; i++) {',
  '  let chunk = "";',
  '  for (let k = 0; k < 500; k++) chunk += ("flood " + i + " " + k + " ").padEnd(99, "x") + "\\n";',
  '  fs.writeSync(1, chunk);',
  '}',
].join('\n');

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    env: { CODEDANCE_MAX_LOG_SIZE: '1MB', CODEDANCE_MAX_LOG_FILES: String(MAX_FILES) },
  });
});
afterAll(async () => {
  await server.cleanup();
});

/** Every regular file under `dir` with its size. */
async function files(dir: string): Promise<{ path: string; size: number }[]> {
  const found: { path: string; size: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await files(path)));
    else if (entry.isFile()) {
      const size = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      found.push({ path, size });
    }
  }
  return found;
}

/** Bytes per rotated set: `x.log`, `x.log.1`, … count as one. */
async function sets(dir: string): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  for (const { path, size } of await files(dir)) {
    const set = path.replace(/\.\d+$/, '');
    bytes.set(set, (bytes.get(set) ?? 0) + size);
  }
  return bytes;
}

const post = (path: string, body?: unknown) =>
  server.json<Record<string, unknown>>(path, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

describe('workloads flooding their output', () => {
  it('keep the log folder within its rotation, /health answering, and stop at once', async () => {
    const logs = join(server.dataDir, 'logs');
    expect((await post('/api/services', { name: 'yes', command: 'yes' })).status).toBe(201);
    expect(
      (
        await post('/api/tasks', {
          id: 'flood',
          script_path: process.execPath,
          args: ['-e', FLOOD],
          timeout: 120,
        })
      ).status,
    ).toBe(201);
    expect((await post('/api/tasks/flood/run')).status).toBeLessThan(300);

    // While they flood: sample the folder and ask /health, one request after another.
    const latencies: number[] = [];
    let largestSet = 0;
    let largestTotal = 0;
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      const started = performance.now();
      const health = await server.get('/health');
      latencies.push(performance.now() - started);
      expect(health.status).toBe(200);
      const bytes = await sets(logs);
      for (const [set, size] of bytes) {
        expect(size, set).toBeLessThanOrEqual(SET_BOUND);
        largestSet = Math.max(largestSet, size);
      }
      largestTotal = Math.max(
        largestTotal,
        [...bytes.values()].reduce((a, b) => a + b, 0),
      );
    }
    // Both really flooded: their files and the journal filled up and rotated.
    const during = await sets(logs);
    expect(during.get(join(logs, 'services', 'yes', '0.out.log'))).toBeGreaterThan(MAX_SIZE);
    expect(during.get(join(logs, 'workloads.jsonl'))).toBeGreaterThan(MAX_SIZE);
    const taskSet = [...during.keys()].find(
      (k) => k.includes('/tasks/flood/') && k.endsWith('.out.log'),
    );
    expect(during.get(taskSet ?? '')).toBeGreaterThan(MAX_SIZE);
    expect(largestSet).toBeLessThanOrEqual(SET_BOUND);
    expect(largestTotal).toBeLessThanOrEqual(during.size * SET_BOUND);
    // Sanity only: /health answered every time, and never took seconds.
    expect(latencies.length).toBeGreaterThan(20);
    expect(Math.max(...latencies)).toBeLessThan(5000);

    // Stopping each takes moments, not the minutes it took to read a gigabyte back.
    let started = Date.now();
    const stopped = await post('/api/services/yes/stop');
    const serviceStopMs = Date.now() - started;
    expect(stopped.status).toBe(200);
    expect(serviceStopMs).toBeLessThan(8000);
    started = Date.now();
    expect((await post('/api/tasks/flood/stop')).status).toBeLessThan(300);
    await waitFor(
      async () => {
        const { body } = await server.json<{ items: { status: string }[] }>(
          '/api/tasks/flood/runs',
        );
        return body.items[0]?.status !== 'RUNNING';
      },
      8000,
      'the flood task to stop',
    );
    expect(Date.now() - started).toBeLessThan(8000);

    // Afterwards: still within the bounds, and the log says how each ended.
    for (const [set, size] of await sets(logs)) expect(size, set).toBeLessThanOrEqual(SET_BOUND);
    const { body } = await server.json<{ entries: { line: string }[] }>(
      '/api/logs?service=yes&text=stopped&limit=5',
    );
    expect(body.entries.map((e) => e.line).join('\n')).toMatch(/stopped/);
    expect((await server.get('/health')).status).toBe(200);
  });
});
