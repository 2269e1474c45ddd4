import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

/** Tasks end to end: real processes through the real API. */

interface Run {
  run: string;
  status: string;
  reason: string | null;
  summary: string | null;
  attempt: number;
  trigger: string;
  exitCode: number | null;
  durationMs: number | null;
  peakRssBytes: number;
}

const node = process.execPath;
let server: TestServer;

async function send(method: string, path: string, body?: unknown) {
  return server.json<Record<string, unknown>>(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

async function runs(id: string): Promise<Run[]> {
  const { body } = await server.json<{ items: Run[] }>(`/api/tasks/${id}/runs`);
  return body.items;
}

async function finishedRuns(id: string, count: number, timeoutMs = 15_000): Promise<Run[]> {
  let last: Run[] = [];
  await waitFor(
    async () => {
      last = (await runs(id)).filter((r) => r.status !== 'RUNNING');
      return last.length >= count;
    },
    timeoutMs,
    `${count} finished run(s) of ${id}`,
  );
  return last;
}

/** Pids whose command line contains `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker) && Number(name) !== process.pid) pids.push(Number(name));
  }
  return pids;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const task of (await server.json<{ tasks: { id: string }[] }>('/api/tasks')).body.tasks) {
    await send('POST', `/api/tasks/${task.id}/stop`);
  }
  await server.cleanup();
});

describe('task definitions', () => {
  it('refuses a bad definition and names every bad field', async () => {
    const { status, body } = await send('POST', '/api/tasks', {
      id: 'bad id!',
      script_path: '',
      interval_minutes: 5,
      cron: '* * * * *',
      retry_count: -1,
      colour: 'blue',
    });
    expect(status).toBe(400);
    const error = body.error as { code: string; details: { problems: { path: string }[] } };
    expect(error.code).toBe('CD_VALIDATION_FAILED');
    const paths = error.details.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/id', '/script_path', '/retry_count', '/colour', '/cron']),
    );
  });

  it('creates, shows the next fire times, toggles and refuses a duplicate', async () => {
    const created = await send('POST', '/api/tasks', {
      id: 'nightly',
      script_path: node,
      args: ['-e', '0'],
      cron: '0 30 2 * * *',
      timezone: 'Asia/Shanghai',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'nightly',
      status: 'IDLE',
      enabled: true,
      version: 1,
    });
    const schedule = await server.json<{ next: string[] }>('/api/tasks/nightly/schedule?count=3');
    expect(schedule.body.next).toHaveLength(3);
    for (const at of schedule.body.next) expect(new Date(at).getUTCHours()).toBe(18); // 02:30 in Shanghai
    expect((await send('POST', '/api/tasks', { id: 'nightly', script_path: node })).status).toBe(
      409,
    );
    const toggled = await send('POST', '/api/tasks/nightly/toggle');
    expect(toggled.body).toMatchObject({ status: 'DISABLED', enabled: false, nextRunAt: null });
  });

  it('refuses a stale update with 409', async () => {
    const current = await server.json<{ version: number }>('/api/tasks/nightly');
    const ok = await server.json<{ version: number }>('/api/tasks/nightly', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': `"${current.body.version}"` },
      body: JSON.stringify({ script_path: node, args: ['-e', '1'], cron: '0 0 3 * * *' }),
    });
    expect(ok.status).toBe(200);
    const stale = await server.json<{ error: { code: string } }>('/api/tasks/nightly', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': `"${current.body.version}"` },
      body: JSON.stringify({ script_path: node }),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CD_CONFLICT');
  });
});

describe('running tasks', () => {
  it('runs on demand and records exit code, duration, memory and the log by stream and level', async () => {
    await send('POST', '/api/tasks', {
      id: 'hello',
      script_path: node,
      args: [
        '-e',
        "console.log('hello from a task'); console.error('something odd'); setTimeout(() => {}, 300)",
      ],
    });
    const started = await send('POST', '/api/tasks/hello/run');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ outcome: 'started' });
    const [run] = await finishedRuns('hello', 1);
    expect(run).toMatchObject({ status: 'SUCCESS', exitCode: 0, trigger: 'manual', attempt: 1 });
    expect(run!.durationMs).toBeGreaterThanOrEqual(250);
    expect(run!.peakRssBytes).toBeGreaterThan(0);
    const logs = await server.json<{ entries: { line: string; stream: string; level: string }[] }>(
      `/api/logs?task=hello&run=${run!.run}`,
    );
    expect(logs.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 'hello from a task', stream: 'stdout', level: 'INFO' }),
        expect.objectContaining({ line: 'something odd', stream: 'stderr', level: 'ERROR' }),
      ]),
    );
    const errorsOnly = await server.json<{ entries: { line: string }[] }>(
      '/api/logs?task=hello&level=ERROR',
    );
    expect(errorsOnly.body.entries.map((e) => e.line)).not.toContain('hello from a task');
    const task = await server.json<{ status: string; lastRun: { status: string } }>(
      '/api/tasks/hello',
    );
    expect(task.body.status).toBe('SUCCESS');
  });

  it('marks a non-zero exit FAILED and retries it', async () => {
    await send('POST', '/api/tasks', {
      id: 'flaky',
      script_path: node,
      args: ['-e', 'process.exit(3)'],
      retry_count: 2,
      retry_delay: 0,
    });
    await send('POST', '/api/tasks/flaky/run');
    const done = await finishedRuns('flaky', 3);
    expect(done.map((r) => [r.attempt, r.trigger, r.status, r.exitCode])).toEqual([
      [3, 'retry', 'FAILED', 3],
      [2, 'retry', 'FAILED', 3],
      [1, 'manual', 'FAILED', 3],
    ]);
    const flaky = await server.json<{
      status: string;
      stats: { runs: number; failed: number; successRate: number };
    }>('/api/tasks/flaky');
    expect(flaky.body.status).toBe('FAILED');
    expect(flaky.body.stats).toMatchObject({ runs: 3, failed: 3, successRate: 0 });
  });

  it('marks a command that cannot start EXCEPTION and says why', async () => {
    await send('POST', '/api/tasks', { id: 'missing', script_path: '/nonexistent/tool' });
    await send('POST', '/api/tasks/missing/run');
    const [run] = await finishedRuns('missing', 1);
    expect(run).toMatchObject({ status: 'EXCEPTION', reason: 'spawn_failed' });
    expect(run!.summary).toMatch(/nonexistent\/tool/);
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const marker = `cd-timeout-${process.pid}`;
    await send('POST', '/api/tasks', {
      id: 'slow',
      script_path: '/bin/sh',
      args: [
        '-c',
        `${node} -e 'setInterval(() => {}, 1000)' ${marker} & ${node} -e 'setInterval(() => {}, 1000)' ${marker} & wait`,
      ],
      timeout: 2,
    });
    await send('POST', '/api/tasks/slow/run');
    // The shell and its two node children all carry the marker.
    await waitFor(
      async () => (await processesWith(marker)).length === 3,
      10_000,
      'the grandchildren to start',
    );
    const [run] = await finishedRuns('slow', 1);
    expect(run).toMatchObject({ status: 'EXCEPTION', reason: 'timeout' });
    expect(await processesWith(marker)).toEqual([]);
  });

  it('skips or queues an overlapping run as the policy says', async () => {
    const body = { script_path: node, args: ['-e', 'setTimeout(() => {}, 600)'] };
    await send('POST', '/api/tasks', { id: 'skipper', ...body, overlap: 'skip' });
    await send('POST', '/api/tasks', { id: 'queuer', ...body, overlap: 'queue' });
    expect((await send('POST', '/api/tasks/skipper/run')).body.outcome).toBe('started');
    expect((await send('POST', '/api/tasks/skipper/run')).body.outcome).toBe('skipped');
    expect((await send('POST', '/api/tasks/queuer/run')).body.outcome).toBe('started');
    expect((await send('POST', '/api/tasks/queuer/run')).body.outcome).toBe('queued');
    const queued = await finishedRuns('queuer', 2);
    expect(queued.every((r) => r.status === 'SUCCESS')).toBe(true);
    expect(await finishedRuns('skipper', 1)).toHaveLength(1);
  });

  it('fires on an interval schedule', async () => {
    await send('POST', '/api/tasks', {
      id: 'ticker',
      script_path: node,
      args: ['-e', '0'],
      interval_minutes: 1 / 60,
    });
    const done = await finishedRuns('ticker', 2, 10_000);
    expect(done.every((r) => r.trigger === 'schedule' && r.status === 'SUCCESS')).toBe(true);
    await send('POST', '/api/tasks/ticker/toggle');
  });

  it('stops a running task on request', async () => {
    await send('POST', '/api/tasks', {
      id: 'sleeper',
      script_path: node,
      args: ['-e', 'setInterval(() => {}, 1000)'],
    });
    await send('POST', '/api/tasks/sleeper/run');
    await waitFor(
      async () =>
        (await server.json<{ status: string }>('/api/tasks/sleeper')).body.status === 'RUNNING',
    );
    const stopped = await send('POST', '/api/tasks/sleeper/stop');
    expect(stopped.body).toMatchObject({ stopped: 1 });
    const [run] = await finishedRuns('sleeper', 1);
    expect(run).toMatchObject({ status: 'EXCEPTION', reason: 'killed' });
  });

  it('answers batch operations item by item', async () => {
    const { body } = await send('POST', '/api/tasks/batch/run', { ids: ['hello', 'no-such-task'] });
    const results = body.results as { id: string; ok: boolean; error?: { code: string } }[];
    expect(results[0]).toMatchObject({ id: 'hello', ok: true });
    expect(results[1]).toMatchObject({
      id: 'no-such-task',
      ok: false,
      error: { code: 'CD_NOT_FOUND' },
    });
    await finishedRuns('hello', 2);
    const deleted = await send('POST', '/api/tasks/batch/delete', { ids: ['missing'] });
    expect(deleted.body.results).toEqual([{ ok: true, id: 'missing', deleted: true }]);
    expect((await server.json('/api/tasks/missing')).status).toBe(404);
  });
});

describe('export and import', () => {
  it('exports tasks as seed 004 tasks.json and as CSV', async () => {
    const json = await server.get('/api/export/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"format":"json"}',
    });
    expect(json.headers.get('content-disposition')).toMatch(
      /attachment; filename="tasks-.*\.json"/,
    );
    const file = (await json.json()) as { tasks: { id: string }[]; settings: unknown };
    expect(file.tasks.map((t) => t.id)).toContain('hello');
    const csv = await server.get('/api/export/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"format":"csv"}',
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[0]).toContain('id');
  });

  it('plans an import as a dry run, then applies it', async () => {
    const content = {
      tasks: [{ id: 'imported', script_path: node, interval_minutes: 60, enabled: false }],
    };
    const plan = await send('POST', '/api/import/tasks', { format: 'tasks.json', content });
    expect(plan.body).toMatchObject({ applied: false, plan: { create: ['imported'] } });
    expect((await server.json('/api/tasks/imported')).status).toBe(404);
    const applied = await send('POST', '/api/import/tasks', {
      format: 'tasks.json',
      content,
      apply: true,
    });
    expect(applied.body.applied).toBe(true);
    expect((await server.json('/api/tasks/imported')).status).toBe(200);
    const bad = await send('POST', '/api/import/tasks', {
      format: 'tasks.json',
      content: { tasks: [{ id: 'x' }] },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('/tasks/0/script_path');
  });

  it('applies a jobs folder when a file appears, with a dry-run plan', async () => {
    const jobs = join(server.dataDir, 'jobs');
    await mkdir(jobs, { recursive: true });
    await writeFile(
      join(jobs, 'task_001.json'),
      `{\n  "id": "from-jobs",\n  "script_path": "${node}",\n  "interval_minutes": 1440,  # 24 hours\n  "enabled": false\n}\n`,
    );
    const plan = await server.json<{ plan: { create: string[] } }>('/api/import/jobs');
    expect(plan.body.plan.create).toEqual(['from-jobs']);
    await send('POST', '/api/import/jobs', {});
    expect((await server.json<{ id: string }>('/api/tasks/from-jobs')).body.id).toBe('from-jobs');
  });
});

describe('a server restart in the middle of a run', () => {
  it('leaves the run alone, re-adopts it, and keeps capturing its log', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dataDir = await mkdtemp(join(tmpdir(), 'codedance-readopt-'));
    const first = await startTestServer({ dataDir });
    const post = (s: TestServer, path: string, body?: unknown) =>
      s.json<Record<string, unknown>>(path, {
        method: 'POST',
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    await post(first, '/api/tasks', {
      id: 'long',
      script_path: node,
      args: [
        '-e',
        "console.log('before'); setTimeout(() => console.log('after the restart'), 1500)",
      ],
    });
    await post(first, '/api/tasks/long/run');
    let pid = 0;
    await waitFor(async () => {
      const items = (await first.json<{ items: { pid: number | null }[] }>('/api/tasks/long/runs'))
        .body.items;
      pid = items[0]?.pid ?? 0;
      return pid > 0;
    });
    await first.close('restart');
    process.kill(pid, 0); // still running: closing the server did not stop it

    const second = await startTestServer({ dataDir });
    try {
      await waitFor(
        async () => (await second.json('/api/tasks/long')).status === 200,
        10_000,
        'the tasks to load',
      );
      const during = (
        await second.json<{ items: { pid: number; status: string }[] }>('/api/tasks/long/runs')
      ).body.items;
      expect(during).toHaveLength(1);
      expect(during[0]).toMatchObject({ pid, status: 'RUNNING' });
      await waitFor(
        async () => {
          const items = (await second.json<{ items: { status: string }[] }>('/api/tasks/long/runs'))
            .body.items;
          return items[0]?.status !== 'RUNNING';
        },
        10_000,
        'the adopted run to end',
      );
      const [run] = (
        await second.json<{ items: { status: string; reason: string; summary: string }[] }>(
          '/api/tasks/long/runs',
        )
      ).body.items;
      // Its exit status died with the first server; the record says so rather than guessing.
      expect(run).toMatchObject({ status: 'EXCEPTION', reason: 'lost' });
      const lines = (
        await second.json<{ entries: { line: string }[] }>('/api/logs?task=long')
      ).body.entries.map((e) => e.line);
      expect(lines).toContain('after the restart');
      expect(lines.filter((l) => l === 'before')).toHaveLength(1);
    } finally {
      await second.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the global limit', () => {
  it('queues runs beyond MAX_CONCURRENT_TASKS and starts them as slots free up', async () => {
    const limited = await startTestServer({ env: { MAX_CONCURRENT_TASKS: '1' } });
    try {
      const post = (path: string, body?: unknown) =>
        limited.json<Record<string, unknown>>(path, {
          method: 'POST',
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        });
      for (const id of ['first', 'second']) {
        await post('/api/tasks', {
          id,
          script_path: node,
          args: ['-e', 'setTimeout(() => {}, 500)'],
        });
      }
      expect((await post('/api/tasks/first/run')).body.outcome).toBe('started');
      const second = await post('/api/tasks/second/run');
      expect(second.body).toMatchObject({
        outcome: 'queued',
        reason: expect.stringContaining('MAX_CONCURRENT_TASKS=1'),
      });
      await waitFor(
        async () => {
          const items = (
            await limited.json<{ items: { status: string; startedAt: string }[] }>(
              '/api/tasks/second/runs',
            )
          ).body.items;
          return items[0]?.status === 'SUCCESS';
        },
        10_000,
        'the queued run to finish',
      );
      const first = (await limited.json<{ items: { endedAt: string }[] }>('/api/tasks/first/runs'))
        .body.items[0]!;
      const queued = (
        await limited.json<{ items: { startedAt: string }[] }>('/api/tasks/second/runs')
      ).body.items[0]!;
      expect(Date.parse(queued.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.endedAt));
    } finally {
      await limited.cleanup();
    }
  });
});
