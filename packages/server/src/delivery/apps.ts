import { CodedanceError, ValidationError, isFinal, validateAppManifest } from '@codedance/core';
import { appKey, type AppRecord } from './book.js';
import { stateConflict, type Locked, type ReconcilerDeps } from './deps.js';
import { removeSide } from './sides.js';

/** What applying and deleting apps reaches: the book, the routers, the runtime, and the app locks. */
export interface AppDeps extends Pick<
  ReconcilerDeps,
  'book' | 'traffic' | 'runtime' | 'clock' | 'host'
> {
  locked: Locked;
}

/** Creates or replaces an app from a manifest; starts its router. */
export async function applyApp(
  deps: AppDeps,
  input: unknown,
): Promise<{ app: AppRecord; created: boolean }> {
  const checked = validateAppManifest(input);
  if (!checked.ok) throw new ValidationError(checked.problems, 'The manifest is not valid.');
  const spec = checked.value;
  const key = appKey(spec.namespace, spec.name);
  return deps.locked(`app:${key}`, async () => {
    const existing = await deps.book.findApp(spec.namespace, spec.name);
    const record: AppRecord =
      existing === null
        ? {
            spec,
            stable: null,
            previous: null,
            lastDeployment: null,
            appliedAt: new Date(deps.clock()).toISOString(),
          }
        : { ...existing, spec, appliedAt: new Date(deps.clock()).toISOString() };
    if (existing?.spec.port !== spec.port) await refuseTakenPort(deps, key, spec.port);
    const entry = { environment: spec.namespace, app: spec.name, port: spec.port };
    await deps.traffic.open?.(entry).catch((error: unknown) => {
      throw new CodedanceError('CD_CONFLICT', {
        message: `Cannot start the router of ${key}: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    });
    const saved = await deps.book.saveApp(record);
    return { app: saved, created: existing === null };
  });
}

/** Stops an app's versions and its router and forgets it; refused while a release runs. */
export async function deleteApp(deps: AppDeps, namespace: string, name: string): Promise<void> {
  const key = appKey(namespace, name);
  await deps.locked(`app:${key}`, async () => {
    const record = await deps.book.app(namespace, name);
    const active = deps.book.latest(namespace, name);
    if (active !== undefined && !isFinal(active.status)) {
      throw stateConflict(`a release of ${key} is ${active.status}; abort it first`);
    }
    await deps.traffic.remove({ environment: namespace, app: name, port: record.spec.port });
    for (const side of [record.stable, record.previous]) {
      if (side !== null) await removeSide(deps.runtime, side.service);
    }
    await deps.book.deleteApp(namespace, name);
  });
}

/** Refuses `port` when it is already the public port of another app than `key`. */
async function refuseTakenPort(deps: AppDeps, key: string, port: number): Promise<void> {
  const clash = (await deps.book.apps()).find(
    (a) => a.spec.port === port && appKey(a.spec.namespace, a.spec.name) !== key,
  );
  if (clash !== undefined) {
    throw stateConflict(
      `port ${port} is the public port of ${appKey(clash.spec.namespace, clash.spec.name)}`,
    );
  }
}
