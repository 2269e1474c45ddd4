import { expect, it } from 'vitest';
import type { WorkloadSpecInput } from '@codedance/core';
import { answer, endpointOf, refused, type Suite } from './conformance-support.js';

export function refusalTests(s: Suite): void {
  it('keeps the same name apart in two environments', async () => {
    const name = s.name('twin');
    const a = { environment: s.env(0), name };
    const b = { environment: s.env(1), name };
    const seenA = await s.running(s.spec(a, { env: { REVISION: 'a' } }));
    const seenB = await s.running(s.spec(b, { env: { REVISION: 'b' } }));
    expect((await answer(endpointOf(seenA.instances[0]!), '/'))?.body.revision).toBe('a');
    expect((await answer(endpointOf(seenB.instances[0]!), '/'))?.body.revision).toBe('b');

    await s.runtime.stop(a);
    expect((await s.runtime.observe(b))?.instances.map((i) => i.ready)).toEqual([true]);
    expect(await s.runtime.remove(a)).toBe(true);
    expect(await s.runtime.observe(a)).toBeNull();
    expect((await answer(endpointOf(seenB.instances[0]!), '/'))?.body.revision).toBe('b');
  });

  it('refuses a bad spec with every problem and its path, and creates nothing', async () => {
    const ref = { environment: s.env(), name: s.name('bad') };
    const cases: [
      Partial<Record<keyof WorkloadSpecInput, unknown>> & Record<string, unknown>,
      string,
    ][] = [
      [{ replicas: 0 }, '/replicas'],
      [{ replicas: 1000 }, '/replicas'],
      [{ replicas: 1.5 }, '/replicas'],
      [{ env: { GOOD: 3 } }, '/env/GOOD'],
      [{ environment: 'Not.An.Environment' }, '/environment'],
      [{ name: '../escape' }, '/name'],
      [{ ports: { kind: 'block', first: 70_000 } }, '/ports'],
      [{ readiness: { type: 'sometimes' } }, '/readiness'],
      [{ unknown: true }, ''],
    ];
    for (const [change, path] of cases) {
      const spec = { ...s.spec(ref), ...change } as WorkloadSpecInput;
      const problems = await refused(s.create(spec), 'CD_VALIDATION_FAILED');
      expect(
        problems.some((p) => p.path.startsWith(path) && p.message !== ''),
        `${JSON.stringify(change)}: ${JSON.stringify(problems)}`,
      ).toBe(true);
    }
    const bare = { ...s.spec(ref) } as Record<string, unknown>;
    delete bare.command;
    delete bare.image;
    expect(await refused(s.create(bare as WorkloadSpecInput), 'CD_VALIDATION_FAILED')).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/command' })]),
    );
    expect(await s.runtime.observe(ref)).toBeNull();
  });

  it('refuses a second workload of one name, and work on one that does not exist', async () => {
    const ref = { environment: s.env(), name: s.name('once') };
    const spec = s.spec(ref);
    await s.create(spec);
    await refused(s.runtime.create(spec), 'CD_ALREADY_EXISTS');

    const missing = { environment: s.env(), name: s.name('missing') };
    await refused(s.runtime.scale(missing, 2), 'CD_NOT_FOUND');
    await refused(s.runtime.stop(missing), 'CD_NOT_FOUND');
    await refused(s.runtime.update(s.spec(missing)), 'CD_NOT_FOUND');
    expect(await s.runtime.remove(missing)).toBe(false);
    expect(await s.runtime.observe(missing)).toBeNull();

    for (const replicas of [0, -1, 65, 2.5, Number.NaN]) {
      const problems = await refused(s.runtime.scale(ref, replicas), 'CD_VALIDATION_FAILED');
      expect(problems.map((p) => p.path)).toContain('/replicas');
    }
    await refused(s.runtime.observe({ environment: 'x/y', name: 'a' }), 'CD_VALIDATION_FAILED');
    await refused(
      s.runtime.scale({ environment: s.env(), name: '../x' }, 1),
      'CD_VALIDATION_FAILED',
    );
    expect((await s.runtime.observe(ref))?.replicas).toBe(1);
  });
}
