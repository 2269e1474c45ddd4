import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TENANT_DEFAULT } from '@codedance/core';
import { Harness, answer, freePorts, httpService, node } from './test-support/harness.js';
import { startServeProcess, type ServeProcess } from './test-support/server-process.js';
import type { ServiceView } from './views.js';
import { SERVICE_INSTANCE_KIND, type InstanceData } from './records.js';

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a new supervisor on the same store', () => {
  let h: Harness;
  afterEach(async () => {
    await h.cleanup();
  });

  it('re-adopts the running processes instead of starting new ones, and keeps their logs', async () => {
    h = new Harness();
    const first = await h.open();
    const port = await freePorts(2);
    await first.create(httpService('api', port, { instances: 2 }), { start: true });
    const before = await h.until('api', (v) => v.status === 'ONLINE');
    await answer(port, '/log?say=before-restart');
    await until(async () => (await h.lines('api')).includes('before-restart'));

    await h.shutdown();
    // Written while no server watched: the new one must still read it.
    expect(await answer(port, '/log?say=while-away')).toBe(String(before.instances[0]!.pid));

    const second = await h.open();
    const after = second.view('api');
    expect(after.instances.map((i) => i.pid)).toEqual(before.instances.map((i) => i.pid));
    expect(after.status).toBe('ONLINE');
    expect(h.spawned).toEqual([]);
    await answer(port + 1, '/log?say=after-restart');
    await until(async () => (await h.lines('api')).includes('after-restart'));
    const lines = await h.lines('api');
    expect(lines.filter((l) => l.endsWith('-restart') || l === 'while-away')).toEqual([
      'before-restart',
      'while-away',
      'after-restart',
    ]);
    // Exactly one of each: resuming from the saved offsets reads nothing twice.
    expect(lines.filter((l) => l.startsWith('listening on'))).toHaveLength(2);
  });

  it('restarts an instance whose process ended while no server ran', async () => {
    h = new Harness();
    const first = await h.open();
    await first.create({ name: 'worker', ...node('setInterval(() => {}, 1000)') }, { start: true });
    const before = await h.until('worker', (v) => v.status === 'ONLINE');
    await h.shutdown();
    process.kill(-before.instances[0]!.pid!, 'SIGKILL');
    await h.open();
    const after = await h.until(
      'worker',
      (v) => v.status === 'ONLINE' && v.instances[0]!.pid !== before.instances[0]!.pid,
    );
    expect(after.instances[0]).toMatchObject({ restarts: 1, lastExitCodes: [null] });
    expect(after.instances[0]!.lastExit?.known).toBe(false);
  });

  it('keeps a stopped service stopped, and records the stop before signalling', async () => {
    h = new Harness();
    const first = await h.open();
    await first.create(
      {
        name: 'quiet',
        ...node(
          "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 300)); console.log('up'); setInterval(() => {}, 1000)",
        ),
        stop_timeout_ms: 3000,
        readiness: { type: 'log', pattern: '^up$' },
      },
      { start: true },
    );
    await h.until('quiet', (v) => v.status === 'ONLINE');
    const stopping = first.stopService('quiet');
    await h.until('quiet', (v) => v.instances[0]!.state === 'stopping');
    const record = await h
      .store()
      .get<InstanceData>(TENANT_DEFAULT, SERVICE_INSTANCE_KIND, 'quiet/0');
    expect(record?.data).toMatchObject({ desired: 'stopped', state: 'stopping' });
    expect(record?.data.pid).not.toBeNull();
    await stopping;

    const second = await h.reopen();
    expect(second.view('quiet')).toMatchObject({ status: 'STOPPED' });
    expect(h.spawned).toEqual([]);
  });
});

describe('a server killed with SIGKILL', () => {
  const servers: ServeProcess[] = [];
  let dataDir = '';
  const pids = new Set<number>();

  afterEach(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    servers.length = 0;
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  /** The serve process's access rules hold: it is asked with the token of its data folder. */
  let auth: Record<string, string> = {};

  async function json<T>(url: string, init?: RequestInit): Promise<T> {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(auth)) headers.set(name, value);
    const response = await fetch(url, { ...init, headers });
    return (await response.json()) as T;
  }

  async function until(url: string, check: (v: ServiceView) => boolean): Promise<ServiceView> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const view = await json<ServiceView>(url);
      if (check(view)) return view;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(view)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('leaves its instances running, and the next server adopts the same pids', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cd-services-kill-'));
    const port = await freePorts(2);
    const first = await startServeProcess(dataDir);
    servers.push(first);
    auth = first.auth;
    const created = await fetch(`${first.url}/api/services`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(httpService('api', port, { instances: 2 })),
    });
    expect(created.status).toBe(201);
    const before = await until(`${first.url}/api/services/api`, (v) => v.status === 'ONLINE');
    for (const i of before.instances) pids.add(i.pid!);

    first.child.kill('SIGKILL');
    await first.exited;
    expect(await answer(port)).toBe(String(before.instances[0]!.pid));

    const second = await startServeProcess(dataDir);
    servers.push(second);
    const list = await json<{ services: ServiceView[] }>(`${second.url}/api/services`);
    expect(list.services).toHaveLength(1);
    expect(list.services[0]).toMatchObject({ name: 'api', status: 'ONLINE', ready: 2 });
    expect(list.services[0]!.instances.map((i) => i.pid)).toEqual(
      before.instances.map((i) => i.pid),
    );
    expect(await answer(port + 1)).toBe(String(before.instances[1]!.pid));
  });
});
