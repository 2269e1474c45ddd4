import { expect, it } from 'vitest';
import { refKey, type WorkloadEvent, type WorkloadObservation } from '@codedance/core';
import { emptyReplay, replay, type Replayed } from './conformance-replay.js';
import { allReady, answer, endpointOf, type Suite } from './conformance-support.js';

/** What a watcher knows matches what `observe` says: the same instances, in the same phases. */
function agrees(known: Replayed, seen: WorkloadObservation | null): boolean {
  if (seen === null) return !known.exists;
  const phases = (list: Iterable<{ id: string; phase: string; restarts: number }>) =>
    [...list]
      .map((i) => `${i.id}:${i.phase}:${i.restarts}`)
      .sort()
      .join(',');
  return (
    known.exists &&
    known.revision === seen.revision &&
    known.replicas === seen.replicas &&
    known.stopped === seen.stopped &&
    phases(known.instances.values()) === phases(seen.instances)
  );
}

export function watchTests(s: Suite): void {
  it('tells a watcher every change in order, adding up to what observe shows', async () => {
    const ref = { environment: s.env(), name: s.name('watched') };
    const events: WorkloadEvent[] = [];
    s.watch({ environment: ref.environment, name: ref.name }, events);
    const known = emptyReplay();
    let applied = 0;
    const catchUp = () => {
      for (; applied < events.length; applied += 1) replay(known, events[applied]!);
    };
    const settle = async (what: string) => {
      let seen: WorkloadObservation | null = null;
      await s.poll(
        `the watcher to agree with observe (${what})`,
        async () => {
          catchUp();
          seen = await s.runtime.observe(ref);
          return agrees(known, seen);
        },
        () => JSON.stringify({ seen, known: [...known.instances.values()] }),
      );
    };

    const ready = await s.running(s.spec(ref, { replicas: 2 }));
    await settle('created');
    await answer(endpointOf(ready.instances[0]!), '/exit?code=7');
    await s.untilSeen(
      ref,
      'a restart',
      (o) => allReady(o, 2) && o.instances.some((i) => i.restarts === 1),
    );
    await settle('restarted');
    await s.runtime.scale(ref, 1);
    await s.untilSeen(ref, 'one instance', (o) => allReady(o, 1));
    await settle('scaled down');
    await s.runtime.remove(ref);
    await settle('removed');

    expect(events.every((e) => refKey(e.ref) === refKey(ref))).toBe(true);
    for (let i = 1; i < events.length; i += 1) {
      expect(events[i]!.seq).toBeGreaterThan(events[i - 1]!.seq);
      expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
    }
    expect(events[0]?.type).toBe('workload');
    expect(events.at(-1)?.type).toBe('removed');
    // The crash was told as it happened: the instance's exit before its being ready again.
    const crashed = events.filter(
      (e): e is Extract<WorkloadEvent, { type: 'instance' }> =>
        e.type === 'instance' && e.instance.lastExit?.code === 7,
    );
    expect(crashed[0]?.instance.ready).toBe(false);
    expect(crashed.some((e) => e.instance.ready)).toBe(true);
  });

  it('tells each watcher only what its filter asks for, and nothing once it stops', async () => {
    const name = s.name('filtered');
    const a = { environment: s.env(0), name };
    const other = { environment: s.env(0), name: s.name('other') };
    const b = { environment: s.env(1), name };
    const byName: WorkloadEvent[] = [];
    const byEnvironment: WorkloadEvent[] = [];
    const stopped: WorkloadEvent[] = [];
    s.watch({ environment: a.environment, name }, byName);
    s.watch({ environment: b.environment }, byEnvironment);
    s.watch({}, stopped)();

    for (const ref of [a, other, b]) await s.create(s.spec(ref));
    for (const ref of [a, other, b]) await s.untilSeen(ref, 'ready', (o) => allReady(o, 1));
    await s.poll('both watchers to hear of a ready instance', () =>
      [byName, byEnvironment].every((list) =>
        list.some((e) => e.type === 'instance' && e.instance.ready),
      ),
    );
    expect(byName.every((e) => refKey(e.ref) === refKey(a))).toBe(true);
    expect(byEnvironment.every((e) => refKey(e.ref) === refKey(b))).toBe(true);
    expect(stopped).toEqual([]);
  });

  it('drops a watcher that throws; the others carry on', async () => {
    const ref = { environment: s.env(), name: s.name('throwing') };
    let calls = 0;
    const stop = s.runtime.watch({ environment: ref.environment, name: ref.name }, () => {
      calls += 1;
      throw new Error('a watcher that fails');
    });
    const events: WorkloadEvent[] = [];
    s.watch({ environment: ref.environment, name: ref.name }, events);
    await s.create(s.spec(ref));
    await s.untilSeen(ref, 'a ready instance', (o) => allReady(o, 1));
    await s.poll('the other watcher to hear of it', () =>
      events.some((e) => e.type === 'instance' && e.instance.ready),
    );
    expect(calls).toBe(1);
    stop();
  });
}
