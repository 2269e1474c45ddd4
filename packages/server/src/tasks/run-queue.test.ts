import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskSpec } from '@codedance/core';
import type { RunData, RunStatus } from './records.js';
import { RunQueue, type QueuedRun, type RunRequest } from './run-queue.js';
import { runData, taskSpec } from './test-support/store.js';

/** A run whose end the test decides; stopping it ends it as a person's stop does. */
class FakeRun implements QueuedRun {
  readonly finished: Promise<RunData>;
  stops = 0;
  released = false;
  #data: RunData;
  #resolve!: (data: RunData) => void;

  constructor(task: string, id: string, request: RunRequest, status: RunStatus = 'RUNNING') {
    this.id = id;
    this.#data = runData(task, id, { ...request, status, endedAt: null });
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    if (status !== 'RUNNING') this.#resolve(this.#data);
  }

  readonly id: string;

  data(): RunData {
    return this.#data;
  }

  end(status: RunStatus, reason: RunData['reason'] = null): void {
    this.#data = { ...this.#data, status, reason };
    this.#resolve(this.#data);
  }

  stop(): Promise<void> {
    this.stops++;
    queueMicrotask(() => {
      this.end('EXCEPTION', 'killed');
    });
    return Promise.resolve();
  }

  release(): Promise<void> {
    this.released = true;
    return Promise.resolve();
  }
}

describe('RunQueue', () => {
  let specs: Map<string, TaskSpec>;
  let launched: FakeRun[];
  let events: string[];
  let maxConcurrent: number;
  /** The status the next launch's run starts in: RUNNING, or ended when it cannot start. */
  let launchAs: RunStatus;
  let queue: RunQueue;

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2031-01-01T00:00:00.000Z') });
    specs = new Map();
    launched = [];
    events = [];
    maxConcurrent = 10;
    launchAs = 'RUNNING';
    queue = new RunQueue({
      spec: (id) => specs.get(id) ?? null,
      launch: (id, spec, request) => {
        expect(spec).toBe(specs.get(id));
        const run = new FakeRun(id, `${id}-${launched.length + 1}`, request, launchAs);
        launched.push(run);
        return Promise.resolve(run);
      },
      started: (id, run, request) => {
        events.push(`started ${run.id} ${request.trigger}#${request.attempt}`);
      },
      ended: (id, run, data, counted) => {
        events.push(`ended ${run.id} ${data.status}${counted ? '' : ' (never counted)'}`);
        return Promise.resolve();
      },
      maxConcurrent: () => maxConcurrent,
      logger: { info: () => undefined, error: () => undefined },
      // No jitter: retries wait exactly their delay.
      random: () => 0.5,
    });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function task(id: string, fields: Record<string, unknown> = {}): void {
    specs.set(id, taskSpec({ id, ...fields }));
    queue.add(id);
  }

  function run(id: string): FakeRun {
    const found = launched.find((r) => r.id === id);
    if (!found) throw new Error(`no run ${id}; launched: ${launched.map((r) => r.id).join(', ')}`);
    return found;
  }

  /** Ends a run and lets the queue act on it. */
  async function end(id: string, status: RunStatus = 'SUCCESS', reason: RunData['reason'] = null) {
    run(id).end(status, reason);
    await vi.advanceTimersByTimeAsync(0);
  }

  it('starts below the task limit; under `skip`, skips beyond it until a run ends', async () => {
    task('a', { overlap: 'skip' });
    expect(await queue.trigger('a', 'manual')).toEqual({ id: 'a', outcome: 'started', run: 'a-1' });
    expect(await queue.trigger('a', 'schedule')).toEqual({
      id: 'a',
      outcome: 'skipped',
      reason: 'skipped: 1 run(s) still running (overlap policy skip)',
    });
    expect(queue.runningCount('a')).toBe(1);
    await end('a-1');
    expect(await queue.trigger('a', 'manual')).toMatchObject({ outcome: 'started', run: 'a-2' });
    expect(events).toEqual(['started a-1 manual#1', 'ended a-1 SUCCESS', 'started a-2 manual#1']);
  });

  it('under `queue`, holds runs beyond the limit and starts them one by one as runs end', async () => {
    task('a', { overlap: 'queue', max_concurrent: 2 });
    for (let i = 0; i < 4; i++) await queue.trigger('a', 'manual', i + 1);
    expect(launched.map((r) => r.id)).toEqual(['a-1', 'a-2']);
    expect(queue.queuedCount('a')).toBe(2);
    expect(await queue.trigger('a', 'manual')).toEqual({
      id: 'a',
      outcome: 'queued',
      reason: 'waiting for the previous run (overlap policy queue)',
    });
    await end('a-2');
    expect(launched.map((r) => r.id)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(run('a-3').data().attempt).toBe(3);
    expect(queue.runningCount('a')).toBe(2);
    expect(queue.queuedCount('a')).toBe(2);
  });

  it('under `replace`, stops the oldest run before starting the new one', async () => {
    task('a', { overlap: 'replace' });
    await queue.trigger('a', 'manual');
    expect(await queue.trigger('a', 'schedule')).toMatchObject({ outcome: 'started', run: 'a-2' });
    expect(run('a-1').stops).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.runningCount('a')).toBe(1);
    expect(events).toContain('ended a-1 EXCEPTION');
  });

  it('under `allow`, ignores the task limit but not the server-wide one', async () => {
    task('a', { overlap: 'allow' });
    maxConcurrent = 2;
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await queue.trigger('a', 'manual')).outcome);
    expect(outcomes).toEqual(['started', 'started', 'queued']);
    expect(await queue.trigger('a', 'manual')).toMatchObject({
      reason: 'waiting for a free slot (MAX_CONCURRENT_TASKS=2)',
    });
    expect(queue.queuedCount('a')).toBe(2);
  });

  it('serves the tasks’ own queues first, then the server-wide one, in order, as slots free', async () => {
    maxConcurrent = 1;
    task('a', { overlap: 'queue' });
    task('b');
    task('c');
    await queue.trigger('a', 'manual');
    await queue.trigger('b', 'manual');
    await queue.trigger('c', 'manual');
    await queue.trigger('a', 'manual');
    expect(queue.runningTotal()).toBe(1);
    expect([queue.queuedCount('a'), queue.queuedCount('b'), queue.queuedCount('c')]).toEqual([
      1, 1, 1,
    ]);
    await end('a-1');
    await end('a-2');
    await end('b-3');
    expect(launched.map((r) => r.id)).toEqual(['a-1', 'a-2', 'b-3', 'c-4']);
  });

  it('skips scheduled and missed fires of a disabled task, but runs it on demand', async () => {
    task('a', { enabled: false });
    for (const trigger of ['schedule', 'misfire']) {
      expect(await queue.trigger('a', trigger)).toEqual({
        id: 'a',
        outcome: 'skipped',
        reason: 'the task is disabled',
      });
    }
    expect((await queue.trigger('a', 'manual')).outcome).toBe('started');
  });

  it('retries a failed run after its delay with the next attempt, up to retry_count', async () => {
    task('a', { retry_count: 2, retry_delay: 10, retry_backoff: 'exponential' });
    await queue.trigger('a', 'manual');
    await end('a-1', 'FAILED');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(launched).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run('a-2').data()).toMatchObject({ trigger: 'retry', attempt: 2 });
    await end('a-2', 'EXCEPTION', 'timeout');
    // Exponential: the second retry waits twice as long.
    await vi.advanceTimersByTimeAsync(19_999);
    expect(launched).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(run('a-3').data()).toMatchObject({ trigger: 'retry', attempt: 3 });
    await end('a-3', 'FAILED');
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(launched).toHaveLength(3);
  });

  it('does not retry a success, a run a person stopped, nor a task deleted meanwhile', async () => {
    task('a', { retry_count: 3, retry_delay: 1 });
    task('b', { retry_count: 3, retry_delay: 1 });
    await queue.trigger('a', 'manual');
    await end('a-1', 'SUCCESS');
    await queue.trigger('a', 'manual');
    await end('a-2', 'EXCEPTION', 'killed');
    await queue.trigger('b', 'manual');
    specs.delete('b');
    await end('b-3', 'FAILED');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launched).toHaveLength(3);
  });

  it('tells of a run that could not start as ended, never counted, and still retries it', async () => {
    task('a', { retry_count: 1, retry_delay: 1 });
    launchAs = 'EXCEPTION';
    expect((await queue.trigger('a', 'manual')).outcome).toBe('started');
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.runningCount('a')).toBe(0);
    launchAs = 'RUNNING';
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual(['ended a-1 EXCEPTION (never counted)', 'started a-2 retry#2']);
  });

  it('stop drops queued runs, pending retries and waiters, stops the running ones and waits', async () => {
    maxConcurrent = 2;
    task('a', { overlap: 'allow', retry_count: 1, retry_delay: 5 });
    task('b');
    task('q', { overlap: 'queue' });
    await queue.trigger('a', 'manual');
    await queue.trigger('a', 'manual');
    await queue.trigger('a', 'manual');
    await queue.trigger('b', 'manual');
    maxConcurrent = 1;
    await end('a-1', 'FAILED');
    // a: a-2 running, a retry pending, a run waiting for a slot (ahead of b's).
    expect([queue.runningCount('a'), queue.queuedCount('a'), queue.queuedCount('b')]).toEqual([
      1, 1, 1,
    ]);
    expect(await queue.stop('a')).toBe(1);
    expect(events).toContain('ended a-2 EXCEPTION');
    expect(queue.runningCount('a')).toBe(0);
    expect(queue.queuedCount('a')).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    // The slot went to b; nothing of a started again.
    expect(launched.map((r) => r.id)).toEqual(['a-1', 'a-2', 'b-3']);

    await end('b-3');
    await queue.trigger('q', 'manual');
    await queue.trigger('q', 'manual');
    expect(queue.queuedCount('q')).toBe(1);
    expect(await queue.stop('q')).toBe(1);
    expect(queue.queuedCount('q')).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(launched.map((r) => r.id)).toEqual(['a-1', 'a-2', 'b-3', 'q-4']);
  });

  it('counts adopted runs against the limits', async () => {
    task('a', { overlap: 'skip' });
    queue.adopt('a', new FakeRun('a', 'old', { trigger: 'schedule', attempt: 1 }));
    expect((await queue.trigger('a', 'manual')).outcome).toBe('skipped');
    expect(queue.running('a', 'old')?.id).toBe('old');
  });

  it('on close, lets the runs go on, released, and starts nothing more', async () => {
    task('a', { overlap: 'queue', retry_count: 1, retry_delay: 1 });
    await queue.trigger('a', 'manual');
    await queue.trigger('a', 'manual');
    await queue.close();
    expect(run('a-1').released).toBe(true);
    await end('a-1', 'FAILED');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launched).toHaveLength(1);
  });

  it('refuses a task it was never told of', async () => {
    await expect(queue.trigger('ghost', 'manual')).rejects.toMatchObject({ code: 'CD_NOT_FOUND' });
  });
});
