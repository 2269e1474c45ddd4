import { describe, expect, it } from 'vitest';
import { Starter } from './starter.js';

/** A promise settled from outside, so each test decides when a start is over. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** True once `promise` has settled, checked after every pending callback has run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('Starter', () => {
  it('runs one attempt at a time and none after it has started', async () => {
    const attempts: ReturnType<typeof deferred>[] = [];
    const starter = new Starter(
      () => {
        const attempt = deferred();
        attempts.push(attempt);
        return attempt.promise;
      },
      () => {},
    );
    const first = starter.run();
    const joined = starter.run();
    expect(attempts).toHaveLength(1);
    expect(await isSettled(first)).toBe(false);
    attempts[0]?.resolve();
    await first;
    await joined;
    expect(starter.started).toBe(true);
    await starter.run();
    expect(attempts).toHaveLength(1);
  });

  it('reports a failed attempt and tries again on the next run', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const starter = new Starter(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('store went away')) : Promise.resolve();
      },
      (error) => errors.push(error),
    );
    await starter.run();
    expect(starter.started).toBe(false);
    expect(errors).toEqual([new Error('store went away')]);
    await starter.run();
    expect(starter.started).toBe(true);
    expect(calls).toBe(2);
  });

  it('closing waits for the attempt in progress, then nothing starts again', async () => {
    const attempt = deferred();
    const order: string[] = [];
    let calls = 0;
    const starter = new Starter(
      async () => {
        calls += 1;
        await attempt.promise;
        order.push('started');
      },
      () => {},
    );
    void starter.run();
    const closing = starter.close().then(() => order.push('closed'));
    expect(await isSettled(closing)).toBe(false);
    attempt.resolve();
    await closing;
    expect(order).toEqual(['started', 'closed']);
    await starter.run();
    expect(calls).toBe(1);
  });

  it('closing waits for a failing attempt too, and a closed starter never starts', async () => {
    const attempt = deferred();
    const errors: unknown[] = [];
    const starter = new Starter(
      () => attempt.promise,
      (error) => errors.push(error),
    );
    void starter.run();
    const closing = starter.close();
    expect(await isSettled(closing)).toBe(false);
    attempt.reject(new Error('no store'));
    await closing;
    expect(errors).toHaveLength(1);

    let calls = 0;
    const closed = new Starter(
      () => {
        calls += 1;
        return Promise.resolve();
      },
      () => {},
    );
    await closed.close();
    await closed.run();
    expect(calls).toBe(0);
    expect(closed.started).toBe(false);
  });
});
