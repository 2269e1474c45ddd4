import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScheduleSpec } from '@codedance/core';
import {
  MAX_TIMER_MS,
  ScheduleTimers,
  missedOnStart,
  scheduleChanged,
  scheduleOf,
  upcomingFires,
} from './schedule-timers.js';
import { taskSpec } from './test-support/store.js';

const ANCHOR = '2031-01-01T00:00:00.000Z';
const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

describe('schedule arithmetic for tasks', () => {
  const everyMinute = taskSpec({ interval_minutes: 1 });

  it('counts interval fires from the anchor, and ignores whether the task is enabled', () => {
    const disabled = taskSpec({ interval_minutes: 1, enabled: false });
    const fires = upcomingFires(disabled, ANCHOR, at('2031-01-01T00:00:30.000Z'), 3);
    expect(fires.map((d) => d.toISOString())).toEqual([
      '2031-01-01T00:01:00.000Z',
      '2031-01-01T00:02:00.000Z',
      '2031-01-01T00:03:00.000Z',
    ]);
    expect(
      scheduleOf(taskSpec({ cron: '0 30 2 * * *', timezone: 'Asia/Shanghai' }), ANCHOR),
    ).toEqual({ cron: '0 30 2 * * *', timezone: 'Asia/Shanghai', anchor: new Date(ANCHOR) });
  });

  it('says when a change of definition moves the schedule', () => {
    expect(scheduleChanged(everyMinute, { ...everyMinute, description: 'x', args: ['y'] })).toBe(
      false,
    );
    expect(scheduleChanged(everyMinute, { ...everyMinute, interval_minutes: 2 })).toBe(true);
    expect(scheduleChanged(everyMinute, { ...everyMinute, cron: '* * * * *' })).toBe(true);
    expect(scheduleChanged(everyMinute, { ...everyMinute, timezone: 'UTC' })).toBe(true);
  });

  it('finds the fires missed while no server ran, as the misfire policy says', () => {
    const now = at('2031-01-01T00:10:30.000Z');
    const state = { anchor: ANCHOR, lastFireAt: '2031-01-01T00:07:00.000Z' };
    const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
    const once = missedOnStart(taskSpec({ interval_minutes: 1, misfire: 'run_once' }), state, now);
    expect({ run: iso(once.run), skipped: once.skipped }).toEqual({
      run: ['2031-01-01T00:10:00.000Z'],
      skipped: false,
    });
    const all = missedOnStart(taskSpec({ interval_minutes: 1, misfire: 'catch_up' }), state, now);
    expect(iso(all.run)).toEqual([
      '2031-01-01T00:08:00.000Z',
      '2031-01-01T00:09:00.000Z',
      '2031-01-01T00:10:00.000Z',
    ]);
    expect(missedOnStart(taskSpec({ interval_minutes: 1, misfire: 'skip' }), state, now)).toEqual({
      run: [],
      skipped: true,
    });
    // Nothing due since the last fire: nothing missed, nothing skipped.
    const recent = { anchor: ANCHOR, lastFireAt: '2031-01-01T00:10:00.000Z' };
    expect(missedOnStart(everyMinute, recent, now)).toEqual({ run: [], skipped: false });
    // A task that never fired counts from its anchor.
    const never = missedOnStart(everyMinute, { anchor: ANCHOR, lastFireAt: null }, now);
    expect(iso(never.run)).toEqual(['2031-01-01T00:10:00.000Z']);
  });
});

describe('ScheduleTimers', () => {
  const START = at('2031-01-01T00:00:30.000Z');
  let schedules: Map<string, ScheduleSpec | null>;
  let fires: { id: string; due: string; at: number }[];
  let errors: unknown[];
  /** Added to the timers' time by the clock the timers are given. */
  let clockOffset: number;
  let fire: (id: string, due: Date) => Promise<void>;
  let timers: ScheduleTimers;

  beforeEach(() => {
    vi.useFakeTimers({ now: START });
    schedules = new Map([['a', { interval_minutes: 1, anchor: new Date(ANCHOR) }]]);
    fires = [];
    errors = [];
    clockOffset = 0;
    fire = (id, due) => {
      fires.push({ id, due: due.toISOString(), at: Date.now() });
      return Promise.resolve();
    };
    timers = new ScheduleTimers({
      clock: () => Date.now() + clockOffset,
      schedule: (id) => schedules.get(id) ?? null,
      fire: (id, due) => fire(id, due),
      onError: (error) => errors.push(error),
    });
  });

  afterEach(() => {
    timers.close();
    vi.useRealTimers();
  });

  it('fires a task at its next fire time, with that time as due, then arms the one after', async () => {
    timers.arm('a');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(fires).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(fires).toEqual([
      { id: 'a', due: '2031-01-01T00:01:00.000Z', at: at('2031-01-01T00:01:00.000Z') },
      { id: 'a', due: '2031-01-01T00:02:00.000Z', at: at('2031-01-01T00:02:00.000Z') },
      { id: 'a', due: '2031-01-01T00:03:00.000Z', at: at('2031-01-01T00:03:00.000Z') },
    ]);
  });

  it('fires a cron schedule in its own time zone', async () => {
    vi.setSystemTime(at('2031-01-01T18:29:00.000Z'));
    schedules.set('nightly', {
      cron: '0 30 2 * * *',
      timezone: 'Asia/Shanghai',
      anchor: new Date(ANCHOR),
    });
    timers.arm('nightly');
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fires.map((f) => f.due)).toEqual(['2031-01-01T18:30:00.000Z']);
  });

  it('arms the next fire only once a slow fire settles, and after a failed one too', async () => {
    let finish!: () => void;
    fire = (id, due) => {
      fires.push({ id, due: due.toISOString(), at: Date.now() });
      return fires.length === 1
        ? new Promise((resolve) => {
            finish = resolve;
          })
        : Promise.reject(new Error('the store is down'));
    };
    timers.arm('a');
    await vi.advanceTimersByTimeAsync(30_000 + 3 * MINUTE);
    expect(fires).toHaveLength(1);
    expect(timers.armed('a')).toBe(false);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(timers.armed('a')).toBe(true);
    // The fires that passed while it ran are not made up; the next one is after now.
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fires.map((f) => f.due)).toEqual([
      '2031-01-01T00:01:00.000Z',
      '2031-01-01T00:05:00.000Z',
    ]);
    expect(errors).toEqual([new Error('the store is down')]);
    expect(timers.armed('a')).toBe(true);
  });

  it('reaches a fire time beyond the longest timer by arming again on the way', async () => {
    const sixtyDays = 60 * 24 * 60;
    schedules.set('far', { interval_minutes: sixtyDays, anchor: new Date(ANCHOR) });
    timers.arm('far');
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(fires).toEqual([]);
    expect(timers.armed('far')).toBe(true);
    await vi.advanceTimersByTimeAsync(sixtyDays * MINUTE - MAX_TIMER_MS - 30_000);
    expect(fires).toEqual([
      { id: 'far', due: '2031-03-02T00:00:00.000Z', at: at('2031-03-02T00:00:00.000Z') },
    ]);
  });

  it('does not fire before the due time by its clock: a clock set back arms again', async () => {
    timers.arm('a');
    clockOffset = -5_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fires).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fires).toEqual([
      { id: 'a', due: '2031-01-01T00:01:00.000Z', at: at('2031-01-01T00:01:05.000Z') },
    ]);
  });

  it('follows a changed schedule from the next arm, and arms nothing for one that should not fire', async () => {
    timers.arm('a');
    schedules.set('a', { interval_minutes: 5, anchor: new Date(ANCHOR) });
    timers.arm('a');
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(fires.map((f) => f.due)).toEqual(['2031-01-01T00:05:00.000Z']);

    schedules.set('a', null);
    timers.arm('a');
    expect(timers.armed('a')).toBe(false);
    schedules.set('on-demand', { anchor: new Date(ANCHOR) });
    timers.arm('on-demand');
    expect(timers.armed('on-demand')).toBe(false);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(fires).toHaveLength(1);
  });

  it('disarms one task, or all for good on close, leaving no timer behind', async () => {
    schedules.set('b', { interval_minutes: 1, anchor: new Date(ANCHOR) });
    timers.arm('a');
    timers.arm('b');
    timers.disarm('a');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fires.map((f) => f.id)).toEqual(['b']);
    timers.close();
    timers.arm('a');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(fires).toHaveLength(1);
  });
});
