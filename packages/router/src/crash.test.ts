import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterClient } from './client.js';
import type { RouterHealth } from './control.js';
import { startBackend, waitFor, type TestBackend } from './test-support/backends.js';
import { buildRouter, startRouterTo, type StandaloneRouter } from './test-support/spawn.js';

/** One request of the load, with when it started and ended (ms, `performance.now()`). */
interface Outcome {
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}

/**
 * Requests at a steady `rate` per second, each on a connection of its own
 * (independent clients), each answered by the backend after `delayMs`, so
 * that some are always in flight.
 */
function paced(port: number, rate: number, delayMs: number) {
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  const began = performance.now();
  let sent = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const start = performance.now();
      const done = (ok: boolean, error?: string) => {
        outcomes.push({ start, end: performance.now(), ok, ...(error ? { error } : {}) });
        resolve();
      };
      const req = http.get(
        { host: '127.0.0.1', port, path: `/slow/${delayMs}`, agent: false, timeout: 5_000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            done(
              res.statusCode === 200,
              res.statusCode === 200 ? undefined : `status ${res.statusCode}`,
            );
          });
          res.on('error', (error) => {
            done(false, error.message);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        done(false, error.code ?? error.message);
      });
    });
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - began) * rate) / 1000);
    while (sent < due) {
      sent++;
      const call = one();
      pending.add(call);
      void call.finally(() => pending.delete(call));
    }
  }, 2);
  return {
    outcomes,
    async stop(): Promise<Outcome[]> {
      clearInterval(timer);
      await Promise.all(pending);
      return outcomes;
    },
  };
}

async function healthOrNull(client: RouterClient): Promise<RouterHealth | null> {
  return client.health().catch(() => null);
}

/** What one kill cost: the failed requests and how long failures went on after it. */
interface KillCost {
  victim: string;
  failed: Outcome[];
  /** From the kill to the end of the last failed request (ms); 0 when none failed. */
  outageMs: number;
  /** Failed requests that were sent after the kill. */
  failedAfterKill: number;
  /** From the kill until the control API answered again with a full group (ms). */
  healedMs: number;
}

describe('a router process killed under steady traffic', () => {
  let backend: TestBackend;
  let router: StandaloneRouter;

  beforeAll(async () => {
    buildRouter();
    backend = await startBackend('stable');
    router = await startRouterTo(backend.address);
  }, 120_000);

  afterAll(async () => {
    await router.stop();
    await backend.close();
  });

  it('loses only the requests in flight in the killed process, whichever it is', async () => {
    const client = router.client;
    const full = async () => {
      const health = await healthOrNull(client);
      return health !== null && health.workers.length === 2 ? health : null;
    };
    await waitFor(async () => (await full()) !== null, 20_000);
    const load = paced(router.router.port, 100, 20);
    await waitFor(() => load.outcomes.length >= 100, 10_000);

    const costs: KillCost[] = [];
    // The follower, then the leader that bound the socket, then the follower
    // that took over from it (a leader that never bound the socket itself).
    for (const victim of ['follower', 'first leader', 'promoted leader'] as const) {
      const health = (await full())!;
      const pid = victim === 'follower' ? health.workers[1]!.pid : health.pid;
      const kill = performance.now();
      const before = load.outcomes.length;
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => {
        const now = await full();
        return now !== null && !now.workers.some((w) => w.pid === pid);
      }, 20_000);
      const healedMs = performance.now() - kill;
      // Traffic has gone on through the healing; let it run a little longer.
      await waitFor(() => load.outcomes.length >= before + 150, 10_000);
      const failed = load.outcomes.filter((o) => !o.ok && o.end >= kill);
      costs.push({
        victim,
        failed,
        outageMs: failed.length === 0 ? 0 : Math.max(...failed.map((o) => o.end)) - kill,
        failedAfterKill: failed.filter((o) => o.start > kill).length,
        healedMs,
      });
    }
    const outcomes = await load.stop();
    const summary = costs.map((c) => ({
      victim: c.victim,
      failed: c.failed.length,
      outageMs: Math.round(c.outageMs),
      healedMs: Math.round(c.healedMs),
      errors: [...new Set(c.failed.map((o) => o.error))],
    }));
    process.stdout.write(
      `router kills: ${JSON.stringify(summary)} of ${outcomes.length} requests\n`,
    );
    for (const cost of costs) {
      expect(cost.failedAfterKill, JSON.stringify(summary)).toBe(0);
      expect(cost.outageMs, JSON.stringify(summary)).toBeLessThan(1_000);
    }
    // No connection was ever refused: the listening socket never closed.
    expect(outcomes.filter((o) => o.error === 'ECONNREFUSED')).toEqual([]);
    // The group is whole again and still serves the table.
    const last = (await full())!;
    expect(last.revision).toBe(1);
  }, 120_000);
});
