import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TENANT_DEFAULT } from '@codedance/core';
import { EventBus } from '../events/index.js';
import { LogHub } from '../logs/index.js';
import { LocalProcesses } from '../runtime/index.js';
import { StoreGate } from '../store/index.js';
import { createStore } from '../store/index.js';
import { TaskController } from './controller.js';
import { TASK_STATE_KIND, type RunData, type TaskStateData } from './records.js';

const MINUTE = 60_000;
const node = process.execPath;

/**
 * The controller over real parts (SQLite store, runtime, log hub, bus) in a
 * temporary folder, on a clock the test sets: the schedule arithmetic reads
 * it, the processes run in real time.
 */
describe('TaskController', () => {
  let dir: string;
  let now: number;
  let gate: StoreGate;
  let hub: LogHub;
  let runtime: LocalProcesses;
  let bus: EventBus;
  const controllers: TaskController[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cd-tasks-'));
    now = Date.parse('2031-01-01T00:00:00.000Z');
    const store = createStore(`sqlite:${join(dir, 'store.db')}`, { clock: () => new Date(now) });
    gate = new StoreGate(store, pino({ level: 'silent' }), 60_000);
    await gate.start();
    hub = new LogHub({ dir: join(dir, 'logs'), journal: { maxSize: 1 << 20, maxFiles: 2 } });
    runtime = new LocalProcesses();
    bus = new EventBus();
  });

  afterEach(async () => {
    for (const controller of controllers.splice(0)) {
      for (const task of controller.list()) await controller.stop(task.id);
      await controller.close();
    }
    await hub.close();
    runtime.close();
    await gate.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A controller as a server builds it; starting it is the test's to do. */
  function controller(): TaskController {
    const made = new TaskController({
      gate,
      runtime,
      hub,
      bus,
      logger: pino({ level: 'silent' }),
      logsDir: join(dir, 'logs'),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      defaultTimeout: () => 60,
      graceMs: 1000,
      clock: () => now,
      maxConcurrent: () => 4,
      runHistory: () => 50,
    });
    controllers.push(made);
    return made;
  }

  /** Waits for an event on the bus that passes `check`. */
  async function published(check: (data: Record<string, unknown>) => boolean): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!bus.recent(1000).some((e) => check(e.data))) {
      if (Date.now() > deadline) throw new Error('the event was not published');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function finished(tasks: TaskController, id: string, count = 1): Promise<RunData[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { items } = await tasks.runs(id, { limit: 100 });
      const done = items.filter((r) => r.status !== 'RUNNING');
      if (done.length >= count) return done;
      if (Date.now() > deadline) throw new Error(`runs of ${id}: ${JSON.stringify(items)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('publishes each change of a task’s status, and its run’s start and end, in order', async () => {
    const tasks = controller();
    await tasks.start();
    await tasks.create({ id: 'hello', script_path: node, args: ['-e', '0'] });
    expect(await tasks.trigger('hello', 'manual')).toMatchObject({ outcome: 'started' });
    // The run's record is final a moment before the controller hears of its end.
    await published((data) => data.status === 'SUCCESS' && data.previous === 'RUNNING');
    const [run] = await finished(tasks, 'hello');
    const events = bus
      .recent(100)
      .reverse()
      .map((e) => ({ type: e.type, data: e.data }));
    expect(events.map((e) => e.type)).toEqual([
      'task.status',
      'task.run.started',
      'task.status',
      'task.run.finished',
      'task.status',
    ]);
    expect(events.filter((e) => e.type === 'task.status').map((e) => e.data)).toEqual([
      { id: 'hello', status: 'IDLE', previous: null },
      { id: 'hello', status: 'RUNNING', previous: 'IDLE' },
      { id: 'hello', status: 'SUCCESS', previous: 'RUNNING' },
    ]);
    expect(events[3]?.data).toMatchObject({ run: run?.run, status: 'SUCCESS', exitCode: 0 });
    expect(tasks.view('hello')).toMatchObject({
      status: 'SUCCESS',
      running: 0,
      lastRun: { run: run?.run, status: 'SUCCESS' },
    });
  });

  it('logs a short run in the order things happened, and measures its memory', async () => {
    const tasks = controller();
    await tasks.start();
    // Written at once and just before exiting: the two places the log used to reorder.
    const script =
      'console.log("first"); console.error("oops"); const keep = Buffer.alloc(40e6, 1); setTimeout(() => console.log("last " + keep.length), 150)';
    await tasks.create({ id: 'quick', script_path: node, args: ['-e', script] });
    for (let i = 0; i < 5; i++) {
      const run = (await tasks.trigger('quick', 'manual')).run ?? '';
      const [data] = (await finished(tasks, 'quick', i + 1)).filter((r) => r.run === run);
      const lines = (await hub.query({ kind: 'task', id: 'quick', run })).reverse();
      const order = lines.map((e) => (e.stream === 'system' ? e.stream : e.line));
      expect(order[0]).toBe('system');
      expect(order.at(-1)).toBe('system');
      expect(lines[0]?.line).toMatch(/^started pid \d+/);
      expect(order.slice(1, -1).sort()).toEqual(['first', 'last 40000000', 'oops']);
      expect(order.indexOf('first')).toBeLessThan(order.indexOf('last 40000000'));
      // 40 MB filled for the last 150 ms of a run of a few hundred: sampled while it lived.
      expect(data?.peakRssBytes).toBeGreaterThan(40e6);
    }
    // A run over within milliseconds still has the memory node itself took.
    await tasks.create({ id: 'instant', script_path: node, args: ['-e', '0'] });
    await tasks.trigger('instant', 'manual');
    const [instant] = await finished(tasks, 'instant');
    expect(instant?.peakRssBytes).toBeGreaterThan(5e6);
  });

  it('shows a run as ended only once every line it wrote has been read', async () => {
    const tasks = controller();
    await tasks.start();
    const script = 'for (let i = 0; i < 20000; i++) console.log("line " + i)';
    await tasks.create({ id: 'chatty', script_path: node, args: ['-e', script] });
    const run = (await tasks.trigger('chatty', 'manual')).run ?? '';
    const deadline = Date.now() + 15_000;
    while ((await tasks.run('chatty', run)).status === 'RUNNING') {
      if (Date.now() > deadline) throw new Error('the run did not end');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const lines = await hub.query({ kind: 'task', id: 'chatty', run, text: 'line 19999' });
    expect(lines.map((e) => e.line)).toEqual(['line 19999']);
  });

  it('on start, runs what the misfire policy says of the fires missed while no server ran', async () => {
    const first = controller();
    await first.start();
    const every = { script_path: node, args: ['-e', '0'], interval_minutes: 1 };
    await first.create({ id: 'once', misfire: 'run_once', ...every });
    await first.create({ id: 'skipper', misfire: 'skip', ...every });
    await first.create({ id: 'off', misfire: 'run_once', enabled: false, ...every });
    await first.close();

    // Ten and a half minutes later, another server starts.
    now += 10 * MINUTE + 30_000;
    const second = controller();
    await second.start();
    const [missed] = await finished(second, 'once');
    expect(missed).toMatchObject({ trigger: 'misfire', status: 'SUCCESS' });
    expect((await second.runs('skipper', { limit: 10 })).items).toEqual([]);
    expect((await second.runs('off', { limit: 10 })).items).toEqual([]);
    const state = (id: string) =>
      gate.store().get<TaskStateData>(TENANT_DEFAULT, TASK_STATE_KIND, id);
    for (const id of ['once', 'skipper']) {
      expect((await state(id))?.data.lastFireAt).toBe(new Date(now).toISOString());
    }
    expect((await state('off'))?.data.lastFireAt).toBeNull();
    expect(second.view('once').nextRunAt).toBe('2031-01-01T00:11:00.000Z');
  });

  it('starts a schedule again from a change that moves it, and keeps it through one that does not', async () => {
    const tasks = controller();
    await tasks.start();
    const spec = { id: 'tick', script_path: node, interval_minutes: 10 };
    await tasks.create(spec);
    expect(tasks.preview('tick', 2)).toEqual([
      '2031-01-01T00:10:00.000Z',
      '2031-01-01T00:20:00.000Z',
    ]);
    now += 3 * MINUTE;
    await tasks.update('tick', { ...spec, description: 'same schedule' });
    expect(tasks.view('tick').nextRunAt).toBe('2031-01-01T00:10:00.000Z');
    await tasks.update('tick', { ...spec, interval_minutes: 5 });
    expect(tasks.view('tick').nextRunAt).toBe('2031-01-01T00:08:00.000Z');
    await tasks.toggle('tick');
    expect(tasks.view('tick')).toMatchObject({
      enabled: false,
      status: 'DISABLED',
      nextRunAt: null,
    });
    expect(tasks.preview('tick', 1)).toEqual(['2031-01-01T00:08:00.000Z']);
  });
});
