import { expect, it } from 'vitest';
import { isCodedanceError, type Endpoint, type WorkloadObservation } from '@codedance/core';
import { allReady, answer, endpointOf, type Suite } from './conformance-support.js';

function endpoints(seen: WorkloadObservation | null): Endpoint[] {
  return (seen?.instances ?? []).flatMap((i) => (i.endpoint === null ? [] : [i.endpoint]));
}

export function raceTests(s: Suite): void {
  it('a remove asked for while the create is under way leaves nothing running', async () => {
    const ref = { environment: s.env(), name: s.name('brief') };
    const creating = s.create(s.spec(ref, { replicas: 2 }));
    const removing = s.runtime.remove(ref);
    const [created, removed] = await Promise.allSettled([creating, removing]);
    expect(removed.status).toBe('fulfilled');
    await s.until(ref, 'the workload to be gone', (o) => o === null);
    if (created.status === 'fulfilled') {
      for (const endpoint of endpoints(created.value)) await s.gone(endpoint);
    }
  });

  it('a stop in the middle of a rolling update stops old and new instances alike', async () => {
    const ref = { environment: s.env(), name: s.name('midway') };
    const spec = s.spec(ref, { replicas: 2, env: { REVISION: 'a' } });
    const before = await s.running(spec);

    // The stop is asked for as soon as the update is taken, while the replacement begins.
    const updated = await s.runtime.update({ ...spec, env: { ...spec.env, REVISION: 'b' } });
    const stopped = await s.runtime.stop(ref);
    expect(stopped.stopped).toBe(true);
    await s.untilSeen(ref, 'no instance left', (o) => o.instances.length === 0);
    for (const endpoint of [...endpoints(before), ...endpoints(updated)]) await s.gone(endpoint);

    await s.runtime.scale(ref, 2);
    const after = await s.untilSeen(ref, 'two ready instances again', (o) => allReady(o, 2));
    for (const instance of after.instances) {
      expect(instance.revision).toBe(updated.revision);
      expect((await answer(endpointOf(instance), '/'))?.body.revision).toBe('b');
    }
  });

  it('of two creates of one name at once, one wins and the other is refused', async () => {
    const ref = { environment: s.env(), name: s.name('contest') };
    const spec = s.spec(ref);
    const results = await Promise.allSettled([s.create(spec), s.runtime.create(spec)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isCodedanceError(lost[0]) && lost[0].code).toBe('CD_ALREADY_EXISTS');
    await s.untilSeen(ref, 'one ready instance', (o) => allReady(o, 1));
  });

  it('a workload removed while its instance is crashing ends for good', async () => {
    const ref = { environment: s.env(), name: s.name('falling') };
    const ready = await s.running(s.spec(ref));
    const endpoint = endpointOf(ready.instances[0]!);
    const [, removed] = await Promise.all([
      answer(endpoint, '/exit?code=9'),
      s.runtime.remove(ref),
    ]);
    expect(removed).toBe(true);
    expect(await s.runtime.observe(ref)).toBeNull();
    await s.gone(endpoint);
  });
}
