import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { allReady, answer, endpointOf, key, type Suite } from './conformance-support.js';

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function lifecycleTests(s: Suite): void {
  it('creates a workload whose instances become ready at endpoints that answer', async () => {
    const ref = { environment: s.env(), name: s.name('web') };
    const created = await s.create(
      s.spec(ref, {
        replicas: 2,
        env: { GREETING: 'hello', TOKEN: { value: 'not-for-eyes', secret: true } },
      }),
    );
    expect(created.ref).toEqual(ref);
    expect(created.replicas).toBe(2);
    expect(created.stopped).toBe(false);

    const seen = await s.untilSeen(ref, 'two ready instances', (o) => allReady(o, 2));
    expect(new Set(seen.instances.map((i) => i.id)).size).toBe(2);
    expect(new Set(seen.instances.map((i) => key(i.endpoint))).size).toBe(2);
    const boots = new Set<unknown>();
    for (const instance of seen.instances) {
      expect(instance).toMatchObject({ phase: 'ready', restarts: 0, lastExit: null });
      expect(instance.readySince).not.toBeNull();
      expect(instance.startedAt).not.toBeNull();
      expect(instance.revision).toBe(seen.revision);
      const root = await answer(endpointOf(instance), '/');
      expect(root?.status).toBe(200);
      expect(root?.body.greeting).toBe('hello');
      boots.add(root?.body.boot);
      // The secret reached the process; only its digest travels back.
      const digest = await answer(endpointOf(instance), '/digest?name=TOKEN');
      expect(digest?.body.digest).toBe(sha256('not-for-eyes'));
    }
    expect(boots.size).toBe(2);
    // What the runtime shows never carries a secret's value.
    expect(JSON.stringify([created, seen])).not.toContain('not-for-eyes');
    // An instance id is stable while nothing replaces it.
    const again = await s.runtime.observe(ref);
    expect(again?.instances.map((i) => i.id)).toEqual(seen.instances.map((i) => i.id));
  });

  it('scales up and down, keeping the instances it does not need to touch', async () => {
    const ref = { environment: s.env(), name: s.name('scale') };
    const one = await s.running(s.spec(ref));
    const first = one.instances[0]!;

    const scaled = await s.runtime.scale(ref, 3);
    expect(scaled.replicas).toBe(3);
    const three = await s.untilSeen(ref, 'three ready instances', (o) => allReady(o, 3));
    expect(three.instances.map((i) => i.id)).toContain(first.id);
    for (const instance of three.instances) {
      expect((await answer(endpointOf(instance), '/'))?.status).toBe(200);
    }

    await s.runtime.scale(ref, 1);
    const back = await s.untilSeen(ref, 'one instance again', (o) => allReady(o, 1));
    expect(back.replicas).toBe(1);
    const kept = back.instances[0]!;
    expect(three.instances.map((i) => i.id)).toContain(kept.id);
    for (const instance of three.instances.filter((i) => i.id !== kept.id)) {
      await s.gone(endpointOf(instance));
    }
    expect((await answer(endpointOf(kept), '/'))?.status).toBe(200);
  });

  it('stops every instance, keeps the workload, and starts again when scaled', async () => {
    const ref = { environment: s.env(), name: s.name('stop') };
    const running = await s.running(s.spec(ref, { replicas: 2 }));

    await s.runtime.stop(ref);
    const stopped = await s.untilSeen(ref, 'no instance left', (o) => o.instances.length === 0);
    expect(stopped.stopped).toBe(true);
    for (const instance of running.instances) await s.gone(endpointOf(instance));

    const started = await s.runtime.scale(ref, 1);
    expect(started.stopped).toBe(false);
    const again = await s.untilSeen(ref, 'a ready instance again', (o) => allReady(o, 1));
    expect((await answer(endpointOf(again.instances[0]!), '/'))?.status).toBe(200);
  });

  it('removes a workload with its instances; a second remove finds nothing', async () => {
    const ref = { environment: s.env(), name: s.name('remove') };
    const running = await s.running(s.spec(ref, { replicas: 2 }));

    expect(await s.runtime.remove(ref)).toBe(true);
    await s.until(ref, 'the workload to be gone', (o) => o === null);
    for (const instance of running.instances) await s.gone(endpointOf(instance));
    expect(await s.runtime.remove(ref)).toBe(false);
  });
}
