import { failRelease, logDeployment, type Deployment, type SideResource } from '@codedance/core';
import type { AppRecord, ServingSide } from './book.js';
import { canarySide, stableSide, type ReconcilerDeps } from './deps.js';
import type { RouterHandle } from './fleet.js';
import { runHook } from './hooks.js';
import { ensureSide, removeSide, routeTable } from './sides.js';
import { shiftTraffic } from './traffic.js';

/** Makes the released version the app's stable one, keeping the previous one warm. */
export async function promoteApp(
  deps: ReconcilerDeps,
  d: Deployment,
  record: AppRecord,
  router: RouterHandle,
): Promise<void> {
  const fresh = await deps.book.app(d.environment, d.app);
  if (fresh.stable?.version === d.version) return;
  const now = deps.clock();
  const oldStable = fresh.stable;
  const canary = canarySide(d);
  const next: AppRecord = {
    ...fresh,
    stable: { ...canary, traffic: 100, state: 'running', instances: record.spec.instances },
    previous:
      oldStable === null
        ? null
        : {
            ...oldStable,
            traffic: 0,
            state: 'warm',
            warmUntil: new Date(now + record.spec.keepPreviousMs).toISOString(),
            deployment: d.id,
          },
  };
  await router.client.setRoutes(
    routeTable(next, { stable: next.stable, canary: null }, 0, deps.host),
  );
  await deps.book.saveApp(next);
}

/**
 * Sends all traffic back to the stable version at once, stops the new one, runs the rollback
 * hook and ends the release (ROLLED_BACK, or FAILED when there was nothing to go back to).
 */
export async function rollBack(
  deps: ReconcilerDeps,
  d: Deployment,
  record: AppRecord,
  router: RouterHandle,
  save: (d: Deployment) => Promise<Deployment>,
  reason: string,
  outcome: 'FAILED' | 'ROLLED_BACK' = 'ROLLED_BACK',
): Promise<Deployment> {
  const stable = stableSide(d, record);
  if (
    stable !== null &&
    deps.services().has(stable.service) &&
    deps.services().view(stable.service).desired < record.spec.instances
  ) {
    await deps.services().scale(stable.service, record.spec.instances);
  }
  let next = await shiftTraffic(
    d,
    0,
    () => routeTable(record, { stable, canary: null }, 0, deps.host),
    router,
    save,
    deps.clock(),
  );
  await removeSide(deps.services(), d.resources.canary.service);
  next = {
    ...next,
    resources: {
      ...next.resources,
      canary: { ...next.resources.canary, state: 'stopped', ready: 0 },
    },
  };
  if (record.spec.hooks.rollback !== null) {
    const hook = await runHook(record.spec.hooks.rollback, next, 'rollback', deps.env);
    next = logDeployment(
      next,
      deps.clock(),
      `rollback hook ${hook.ok ? 'passed' : 'failed'}: ${hook.detail}`,
    );
  }
  const final = stable === null || outcome === 'FAILED' ? 'FAILED' : 'ROLLED_BACK';
  return failRelease(next, deps.clock(), reason, final);
}

/** Finishes an abort or a rollback a person asked for. */
export async function finishRequested(
  deps: ReconcilerDeps,
  d: Deployment,
  record: AppRecord,
  router: RouterHandle,
  save: (d: Deployment) => Promise<Deployment>,
): Promise<Deployment> {
  const ask = d.requested;
  if (ask === null) return d;
  if (ask.action === 'abort') {
    const done = await rollBack(deps, d, record, router, save, `aborted by ${ask.by}`);
    return {
      ...done,
      status: d.resources.stable === null ? 'FAILED' : 'ROLLED_BACK',
      requested: null,
    };
  }
  // Rollback of a completed release: back to the previous version, warm or started again.
  const now = deps.clock();
  const stable: (SideResource & { run?: ServingSide['run'] }) | null = d.resources.stable;
  const previous: ServingSide | null =
    record.previous !== null && record.previous.version === d.previousVersion
      ? record.previous
      : stable === null
        ? null
        : { ...stable, run: stable.run ?? record.spec.run };
  if (previous === null) return { ...d, requested: null };
  const view = await ensureSide(deps.services(), record.spec, previous, record.spec.instances);
  if (!(view.status === 'ONLINE' && view.ready === view.desired)) {
    await waitUntil(() => {
      const v = deps.services().view(previous.service);
      return v.status === 'ONLINE' && v.ready === v.desired;
    }, record.spec.readinessTimeoutMs);
  }
  const next: AppRecord = {
    ...record,
    stable: { ...previous, traffic: 100, state: 'running' },
    previous: null,
  };
  await deps.book.saveApp(next);
  let rolled = await shiftTraffic(
    d,
    0,
    () => routeTable(next, { stable: next.stable, canary: null }, 0, deps.host),
    router,
    save,
    deps.clock(),
  );
  if (record.stable?.version === d.version)
    await removeSide(deps.services(), record.stable.service);
  if (record.spec.hooks.rollback !== null) {
    const hook = await runHook(record.spec.hooks.rollback, rolled, 'rollback', deps.env);
    rolled = logDeployment(
      rolled,
      now,
      `rollback hook ${hook.ok ? 'passed' : 'failed'}: ${hook.detail}`,
    );
  }
  const warm = record.previous?.version === previous.version;
  return failRelease(
    rolled,
    deps.clock(),
    `rolled back to ${previous.version} by ${ask.by} after completion (${warm ? 'it was warm: a router switch' : 'started again'})`,
    'ROLLED_BACK',
  );
}

async function waitUntil(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('the previous version did not become ready in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
