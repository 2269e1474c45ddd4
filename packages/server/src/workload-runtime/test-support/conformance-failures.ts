import { expect, it } from 'vitest';
import { workloadStatus } from '@codedance/core';
import { answer, endpointOf, type Suite } from './conformance-support.js';

export function failureTests(s: Suite): void {
  it('sees a crash: how it ended, a restart counted, and the same instance ready again', async () => {
    const ref = { environment: s.env(), name: s.name('crash') };
    const before = (await s.running(s.spec(ref))).instances[0]!;

    await answer(endpointOf(before), '/exit?code=3');
    const after = await s.untilSeen(
      ref,
      'the instance to be ready again after its exit',
      (o) => o.instances[0]?.restarts === 1 && o.instances[0].ready,
    );
    const instance = after.instances[0]!;
    expect(instance.id).toBe(before.id);
    expect(instance.lastExit).toMatchObject({ code: 3, signal: null });
    expect(instance.lastExit?.reason).toContain('3');
    expect((await answer(endpointOf(instance), '/'))?.status).toBe(200);
  });

  it('sees a kill by a signal', async () => {
    const ref = { environment: s.env(), name: s.name('killed') };
    const before = (await s.running(s.spec(ref))).instances[0]!;

    await answer(endpointOf(before), '/kill?signal=SIGKILL');
    const after = await s.untilSeen(
      ref,
      'the kill to be seen',
      (o) => (o.instances[0]?.restarts ?? 0) >= 1 && o.instances[0]?.lastExit !== null,
    );
    expect(after.instances[0]?.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(after.instances[0]?.lastExit?.reason).toContain('SIGKILL');
  });

  it('calls a workload that keeps crashing crash-looping, and has what it wrote', async () => {
    const ref = { environment: s.env(), name: s.name('loop') };
    await s.create(s.spec(ref, { env: { EXIT_AT_START: '4' } }));
    const seen = await s.untilSeen(
      ref,
      'the instance to be crash-looping',
      (o) => o.instances[0]?.phase === 'crash-looping',
    );
    const instance = seen.instances[0]!;
    expect(instance.ready).toBe(false);
    expect(instance.restarts).toBeGreaterThanOrEqual(1);
    expect(instance.lastExit).toMatchObject({ code: 4, signal: null });
    expect(workloadStatus(seen)).toBe('CRASHLOOP');
    await s.poll('the output to be kept', async () => {
      const lines = await s.runtime.recentOutput(ref, 3);
      return lines.includes('failing at start with code 4');
    });
    expect((await s.runtime.recentOutput(ref, 3)).length).toBeLessThanOrEqual(3);
  });

  it('calls an instance that cannot be started at all failed, with why', async () => {
    const ref = { environment: s.env(), name: s.name('nothing') };
    const { command: _command, args: _args, image: _image, ...rest } = s.spec(ref);
    await s.create({ ...rest, ...s.sut.unstartable });
    const seen = await s.untilSeen(
      ref,
      'the instance to fail',
      (o) => o.instances[0]?.phase === 'failed',
    );
    expect(seen.instances[0]?.message).toBeTruthy();
    expect(workloadStatus(seen)).toBe('ERRORED');
  });

  it('never calls an instance ready while its readiness check fails, though it runs', async () => {
    const ref = { environment: s.env(), name: s.name('unready') };
    await s.create(s.spec(ref, { env: { READY: 'never' }, readinessTimeoutMs: 1000 }));
    const seen = await s.untilSeen(
      ref,
      'the instance to be unready',
      (o) => o.instances[0]?.phase === 'unready',
    );
    const instance = seen.instances[0]!;
    expect(instance).toMatchObject({ ready: false, readySince: null });
    expect(workloadStatus(seen)).not.toBe('ONLINE');
    // Not ready is not dead: the process answers, only its check fails.
    expect((await answer(endpointOf(instance), '/'))?.status).toBe(200);
    expect((await answer(endpointOf(instance), '/healthz'))?.status).toBe(503);
  });
}
