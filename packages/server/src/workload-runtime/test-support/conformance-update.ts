import { expect, it } from 'vitest';
import type { WorkloadEvent } from '@codedance/core';
import { emptyReplay, readyAlong, replay } from './conformance-replay.js';
import { allReady, answer, endpointOf, key, type Suite } from './conformance-support.js';

export function updateTests(s: Suite): void {
  it('replaces every instance one at a time, at new endpoints, serving all along', async () => {
    const ref = { environment: s.env(), name: s.name('update') };
    const spec = s.spec(ref, { replicas: 2, env: { REVISION: 'a' } });
    const before = await s.running(spec);

    const events: WorkloadEvent[] = [];
    s.watch({ environment: ref.environment, name: ref.name }, events);
    const known = emptyReplay();
    for (const instance of before.instances) known.instances.set(instance.id, instance);

    const updated = await s.runtime.update({ ...spec, env: { ...spec.env, REVISION: 'b' } });
    expect(updated.revision).toBeGreaterThan(before.revision);
    const after = await s.untilSeen(
      ref,
      'two ready instances of the new revision',
      (o) => allReady(o, 2) && o.instances.every((i) => i.revision === updated.revision),
    );

    const oldIds = new Set(before.instances.map((i) => i.id));
    expect(after.instances.filter((i) => oldIds.has(i.id))).toEqual([]);
    const oldEndpoints = new Set(before.instances.map((i) => key(i.endpoint)));
    expect(after.instances.filter((i) => oldEndpoints.has(key(i.endpoint)))).toEqual([]);
    for (const instance of after.instances) {
      expect((await answer(endpointOf(instance), '/'))?.body.revision).toBe('b');
    }
    for (const instance of before.instances) await s.gone(endpointOf(instance));

    // Told in order, the replacement never left the workload without a ready instance.
    await s.poll('the watcher to hear of both new instances', () => {
      const state = emptyReplay();
      state.instances = new Map(known.instances);
      for (const event of events) replay(state, event);
      return after.instances.every((i) => state.instances.get(i.id)?.ready === true);
    });
    expect(Math.min(...readyAlong(events, known))).toBeGreaterThanOrEqual(1);
  });

  it('keeps the instances when an update changes only the replicas', async () => {
    const ref = { environment: s.env(), name: s.name('resize') };
    const spec = s.spec(ref, { env: { REVISION: 'a' } });
    const before = await s.running(spec);

    const updated = await s.runtime.update({ ...spec, replicas: 2 });
    expect(updated.revision).toBe(before.revision);
    const after = await s.untilSeen(ref, 'two ready instances', (o) => allReady(o, 2));
    expect(after.instances.map((i) => i.id)).toContain(before.instances[0]!.id);
  });

  it('leaves a stopped workload stopped when it is updated', async () => {
    const ref = { environment: s.env(), name: s.name('quiet') };
    const spec = s.spec(ref, { env: { REVISION: 'a' } });
    await s.running(spec);
    await s.runtime.stop(ref);

    const updated = await s.runtime.update({ ...spec, env: { ...spec.env, REVISION: 'b' } });
    expect(updated.stopped).toBe(true);
    expect(updated.instances).toEqual([]);
    await s.runtime.scale(ref, 1);
    const running = await s.untilSeen(ref, 'a ready instance', (o) => allReady(o, 1));
    expect((await answer(endpointOf(running.instances[0]!), '/'))?.body.revision).toBe('b');
  });
}
