import { afterEach, describe, expect, it } from 'vitest';
import {
  HTTP_SERVER,
  Harness,
  answer,
  freePorts,
  httpService,
  node,
} from './test-support/harness.js';

let h: Harness;

afterEach(async () => {
  await h.cleanup();
});

const fastBackoff = { initial_ms: 50, max_ms: 2000, multiplier: 2, jitter: 0 };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function restartEvents(name: string) {
  return h.events
    .filter((e) => e.type === 'service.restart')
    .map((e) => e.data as { name: string; reason: string; delayMs: number })
    .filter((d) => d.name === name);
}

describe('ServiceSupervisor with real processes', () => {
  it('gives instance i PORT = port + i, and both answer', async () => {
    h = new Harness();
    const supervisor = await h.open();
    const port = await freePorts(2);
    await supervisor.create(httpService('web', port, { instances: 2 }), { start: true });
    const view = await h.until('web', (v) => v.status === 'ONLINE');
    const pids = view.instances.map((i) => i.pid);
    expect(view.instances.map((i) => i.port)).toEqual([port, port + 1]);
    expect([await answer(port), await answer(port + 1)]).toEqual(pids.map(String));
    // The two start side by side, so their spawn order is not fixed.
    const ports = Object.fromEntries(h.spawned.map((s) => [s.env.CODEDANCE_INSTANCE, s.env.PORT]));
    expect(ports).toEqual({ 0: String(port), 1: String(port + 1) });
    expect(h.spawned[0]?.env.CODEDANCE_SERVICE).toBe('web');
  });

  it('is starting until the HTTP readiness check passes, then online', async () => {
    h = new Harness();
    const supervisor = await h.open();
    const port = await freePorts(1);
    const created = await supervisor.create(
      httpService('slow', port, { env: { LISTEN_DELAY_MS: '1000' } }),
      { start: true },
    );
    expect(created.instances[0]?.state).toBe('starting');
    expect(created.status).toBe('STARTING');
    const view = await h.until('slow', (v) => v.status === 'ONLINE');
    const instance = view.instances[0]!;
    expect(Date.parse(instance.readyAt!) - Date.parse(instance.startedAt!)).toBeGreaterThanOrEqual(
      900,
    );
    const states = h.events
      .filter((e) => e.type === 'service.instance')
      .map((e) => (e.data as { state: string }).state);
    expect(states).toEqual(['starting', 'starting', 'online']);
  });

  it('becomes online when its own log line matches', async () => {
    h = new Harness();
    const supervisor = await h.open();
    await supervisor.create(
      {
        name: 'logger',
        ...node(
          "setTimeout(() => console.log('warming up'), 100); setTimeout(() => console.log('READY now'), 600); setInterval(() => {}, 1000)",
        ),
        readiness: { type: 'log', pattern: '^READY' },
      },
      { start: true },
    );
    expect(supervisor.view('logger').status).toBe('STARTING');
    await h.until('logger', (v) => v.status === 'ONLINE');
    expect(await h.lines('logger')).toEqual(['warming up', 'READY now']);

    // A line written the moment the process starts counts too; `shell` runs a command line.
    await supervisor.create(
      {
        name: 'quick',
        command: 'echo READY at once; exec sleep 30',
        shell: true,
        readiness: { type: 'log', pattern: '^READY' },
      },
      { start: true },
    );
    await h.until('quick', (v) => v.status === 'ONLINE');
  });

  it('restarts a crashing process with growing backoff, then holds it in CRASHLOOP', async () => {
    h = new Harness();
    const supervisor = await h.open();
    await supervisor.create(
      {
        name: 'crash',
        ...node("console.error('boom'); process.exit(3)"),
        backoff: fastBackoff,
        crashloop: { max_restarts: 4, window_ms: 60_000 },
      },
      { start: true },
    );
    const view = await h.until('crash', (v) => v.status === 'CRASHLOOP');
    expect(restartEvents('crash').map((e) => e.delayMs)).toEqual([0, 50, 100, 200]);
    const instance = view.instances[0]!;
    expect(instance).toMatchObject({
      state: 'crashloop',
      pid: null,
      restarts: 4,
      nextRestartAt: null,
    });
    expect(instance.lastExitCodes).toEqual([3, 3, 3, 3, 3]);
    const detail = await supervisor.get('crash');
    expect(detail.logTail?.some((l) => l.line.includes('boom'))).toBe(true);
    expect(detail.logTail?.at(-1)?.line).toMatch(/crash loop: restarted 4 times/);

    // A person's restart clears the crash history and tries again.
    await supervisor.restartService('crash', { wait: false });
    await h.until('crash', (v) => v.instances[0]!.restarts > 4);
  });

  it('leaves an exited process stopped with restart=never, and after exit 0 with on-failure', async () => {
    h = new Harness();
    const supervisor = await h.open();
    await supervisor.create(
      { name: 'once', ...node('process.exit(1)'), restart: 'never' },
      { start: true },
    );
    await supervisor.create(
      { name: 'done', ...node('process.exit(0)'), restart: 'on-failure' },
      { start: true },
    );
    const once = await h.until(
      'once',
      (v) => v.instances[0]!.lastExit !== null && v.status === 'STOPPED',
    );
    const done = await h.until(
      'done',
      (v) => v.instances[0]!.lastExit !== null && v.status === 'STOPPED',
    );
    expect(once.instances[0]).toMatchObject({ restarts: 0, lastExitCodes: [1] });
    expect(once.instances[0]!.reason).toMatch(/never/);
    expect(done.instances[0]).toMatchObject({ restarts: 0, lastExitCodes: [0] });
    expect(restartEvents('once')).toEqual([]);
    expect(restartEvents('done')).toEqual([]);
  });

  it('logs a start before the output and an end after it, when run and when stopped', async () => {
    h = new Harness();
    const supervisor = await h.open();
    await supervisor.create(
      {
        name: 'brief',
        ...node('console.log("hello"); console.error("bye"); process.exit(3)'),
        restart: 'never',
      },
      { start: true },
    );
    await h.until('brief', (v) => v.instances[0]!.lastExit !== null && v.status === 'STOPPED');
    const said = async (id: string) =>
      (await h.hub.query({ kind: 'service', id, limit: 100 }))
        .reverse()
        .map((e) => (e.stream === 'system' ? e.line.split(' ').slice(0, 2).join(' ') : e.line));
    // The readiness line ("started (no readiness check)") may come before or after the output.
    const brief = (await said('brief')).filter((line) => line !== 'started (no');
    expect(brief[0]).toBe('started pid');
    expect(brief.slice(1, 3).sort()).toEqual(['bye', 'hello']);
    expect(brief[3]).toMatch(/^pid \d+$/);
    expect(brief.slice(4)).toEqual(['not restarting:']);

    await supervisor.create(
      {
        name: 'polite',
        ...node(
          'process.on("SIGTERM", () => { console.log("going"); process.exit(0) }); console.log("up"); setInterval(() => {}, 1000)',
        ),
        readiness: { type: 'log', pattern: '^up$' },
      },
      { start: true },
    );
    await h.until('polite', (v) => v.status === 'ONLINE');
    await supervisor.stopService('polite');
    expect((await said('polite')).filter((line) => line !== 'ready: logged')).toEqual([
      'started pid',
      'up',
      'going',
      'stopped (exited',
    ]);
  });

  it('restarts an instance gracefully when it grows above max_memory', async () => {
    h = new Harness();
    const supervisor = await h.open();
    await supervisor.create(
      {
        name: 'hog',
        ...node(
          'const keep = []; const t = setInterval(() => { keep.push(Buffer.alloc(10 * 1024 * 1024, 1)); if (keep.length >= 10) clearInterval(t); }, 20); setInterval(() => {}, 1000)',
        ),
        max_memory: '50MB',
      },
      { start: true },
    );
    const first = (await h.until('hog', (v) => v.instances[0]!.pid !== null)).instances[0]!.pid;
    const view = await h.until(
      'hog',
      (v) =>
        v.instances[0]!.restarts >= 1 &&
        v.instances[0]!.pid !== null &&
        v.instances[0]!.pid !== first,
    );
    expect(restartEvents('hog')[0]).toMatchObject({ reason: 'memory', delayMs: 0 });
    expect(view.instances[0]!.lastExit?.signal).toBe('SIGTERM');
    const system = (await h.hub.query({ kind: 'service', id: 'hog', limit: 100 })).filter(
      (e) => e.stream === 'system',
    );
    expect(system.some((e) => /above max_memory 50\.0 MB; restarting/.test(e.line))).toBe(true);
    await supervisor.stopService('hog');
  });

  it('SIGKILLs a process that ignores SIGTERM after stop_timeout_ms', async () => {
    h = new Harness();
    const supervisor = await h.open();
    await supervisor.create(
      {
        name: 'stubborn',
        ...node(
          "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)",
        ),
        stop_timeout_ms: 500,
        readiness: { type: 'log', pattern: '^up$' },
      },
      { start: true },
    );
    const running = await h.until('stubborn', (v) => v.status === 'ONLINE');
    const started = Date.now();
    const stopped = await supervisor.stopService('stubborn');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5000);
    expect(stopped.status).toBe('STOPPED');
    expect(stopped.instances[0]).toMatchObject({ state: 'stopped', desired: 'stopped', pid: null });
    expect(stopped.instances[0]!.lastExit?.signal).toBe('SIGKILL');
    expect(restartEvents('stubborn')).toEqual([]);
    expect(alive(running.instances[0]!.pid!)).toBe(false);
  });

  it('rolls a restart one instance at a time: some instance always answers', async () => {
    h = new Harness();
    const supervisor = await h.open();
    const port = await freePorts(2);
    await supervisor.create(
      httpService('roll', port, { instances: 2, env: { LISTEN_DELAY_MS: '300' } }),
      { start: true },
    );
    const before = (await h.until('roll', (v) => v.status === 'ONLINE')).instances.map(
      (i) => i.pid,
    );
    let failures = 0;
    let requests = 0;
    const polling = { on: true };
    const poller = (async () => {
      while (polling.on) {
        requests++;
        const ok = (await answer(port, '/', 500)) ?? (await answer(port + 1, '/', 500));
        if (ok === null) failures++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const after = await supervisor.restartService('roll');
    polling.on = false;
    await poller;
    expect(after.status).toBe('ONLINE');
    expect(after.rolling).toBe(false);
    expect(after.instances.map((i) => i.pid)).not.toContain(before[0]);
    expect(after.instances.map((i) => i.pid)).not.toContain(before[1]);
    expect(requests).toBeGreaterThan(20);
    expect(failures).toBe(0);
    // Instance 1 was only touched once instance 0 was back online.
    const steps = h.events
      .filter((e) => e.type === 'service.instance')
      .map((e) => e.data as { instance: number; state: string })
      .map((d) => `${d.instance}:${d.state}`);
    const zeroOnline = steps.lastIndexOf('0:online');
    expect(zeroOnline).toBeGreaterThan(steps.indexOf('0:stopping'));
    expect(steps.indexOf('1:stopping')).toBeGreaterThan(zeroOnline);
  });

  it('rolls a changed definition through, scales, and deletes', async () => {
    h = new Harness();
    const supervisor = await h.open();
    const port = await freePorts(3);
    const spec = { name: 'app', ...node(HTTP_SERVER), port, readiness: { type: 'tcp' as const } };
    const created = await supervisor.create(spec, { start: true });
    await h.until('app', (v) => v.status === 'ONLINE');
    await expect(
      supervisor.update('app', { ...spec, env: { A: '1' } }, created.version - 1),
    ).rejects.toMatchObject({ code: 'CD_CONFLICT' });
    const updated = await supervisor.update('app', { ...spec, env: { A: '1' } }, created.version, {
      wait: true,
    });
    expect(updated).toMatchObject({ status: 'ONLINE', generation: 2 });
    expect(h.spawned.at(-1)?.env.A).toBe('1');

    const scaled = await supervisor.scale('app', 3);
    expect(scaled.instances).toHaveLength(3);
    await h.until('app', (v) => v.status === 'ONLINE' && v.ready === 3);
    expect(await answer(port + 2)).not.toBeNull();
    const third = scaled.instances[2]!.pid;
    await supervisor.scale('app', 1);
    expect(supervisor.view('app').instances).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(await answer(port + 2, '/', 300)).toBeNull();

    const pid = supervisor.view('app').instances[0]!.pid;
    await supervisor.remove('app');
    expect(supervisor.has('app')).toBe(false);
    expect(await answer(port, '/', 300)).toBeNull();
    expect([pid, third]).not.toContain(null);
    expect(h.events.at(-1)).toMatchObject({
      type: 'service.status',
      data: { name: 'app', status: 'DELETED' },
    });
  });
});
