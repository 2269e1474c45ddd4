import {
  commandLine,
  readyCount,
  workloadStatus,
  type AppSpec,
  type Readiness,
  type RunSpec,
  type SideObservation,
  type WorkloadObservation,
  type WorkloadRef,
  type WorkloadRuntime,
  type WorkloadSpecInput,
} from '@codedance/core';
import { freePortBlock } from '../runtime/index.js';
import type { ServingSide } from './book.js';

/** The name of the side that runs `version` of an app: its workload, `<namespace>.<app>.<version>`. */
export function sideServiceName(app: AppSpec, version: string): string {
  return `${app.namespace}.${app.name}.${version}`;
}

/** A new side for `version`, not yet started, with a free block of ports for its instances. */
export async function plannedSide(
  app: AppSpec,
  version: string,
  run: RunSpec,
  instances: number,
  avoid: ReadonlySet<number>,
): Promise<ServingSide> {
  const port = await freePortBlock(app.instances, { avoid });
  return {
    version,
    service: sideServiceName(app, version),
    instances,
    ready: 0,
    command: commandLine(run),
    traffic: 0,
    state: 'pending',
    port,
    run,
  };
}

function readinessOf(app: AppSpec): Readiness {
  return app.readiness ?? { type: 'tcp' };
}

/** The workload a side's service name stands for: `<namespace>.<app>.<version>`. */
export function sideRef(service: string): WorkloadRef {
  const dot = service.indexOf('.');
  return { environment: service.slice(0, dot), name: service.slice(dot + 1) };
}

/** The workload that runs a side: its instances on the side's block of ports. */
export function sideSpec(app: AppSpec, side: ServingSide, instances: number): WorkloadSpecInput {
  return {
    ...sideRef(side.service),
    command: side.run.command,
    args: side.run.args ?? [],
    ...(side.run.cwd === undefined ? {} : { cwd: side.run.cwd }),
    env: {
      ...(side.run.env ?? {}),
      CODEDANCE_APP: app.name,
      CODEDANCE_ENVIRONMENT: app.namespace,
      CODEDANCE_VERSION: side.version,
    },
    shell: side.run.shell ?? false,
    replicas: instances,
    ports: side.port === null ? { kind: 'none' } : { kind: 'block', first: side.port },
    readiness: readinessOf(app),
    readinessTimeoutMs: app.readinessTimeoutMs,
    stopTimeoutMs: 10_000,
  };
}

/**
 * Makes the side's workload exist with `instances` instances, started; idempotent, so a
 * controller restarted in the middle picks up what it already created.
 */
export async function ensureSide(
  runtime: WorkloadRuntime,
  app: AppSpec,
  side: ServingSide,
  instances: number,
): Promise<void> {
  const ref = sideRef(side.service);
  const seen = await runtime.observe(ref);
  if (seen === null) await runtime.create(sideSpec(app, side, instances));
  else if (seen.replicas !== instances || workloadStatus(seen) === 'STOPPED') {
    await runtime.scale(ref, instances);
  }
}

/** Output lines of a failing version quoted in a release's reason. */
const OUTPUT_LINES = 3;

/**
 * Why a side's version does not run, for the release's reason: the error that kept an instance
 * from starting (no such command, not executable…) or how its process last ended, then the last
 * lines it wrote.
 */
export function whyBroken(seen: WorkloadObservation, output: readonly string[]): string {
  const status = workloadStatus(seen);
  const failed =
    seen.instances.find((i) => i.phase === 'failed') ??
    seen.instances.find((i) => i.lastExit !== null);
  let cause = `is ${status}`;
  if (failed?.phase === 'failed') cause = `could not start: ${failed.message ?? 'unknown error'}`;
  else if (failed?.lastExit != null) {
    const restarts = failed.restarts === 1 ? '1 restart' : `${failed.restarts} restarts`;
    cause = `${failed.lastExit.reason} (${restarts}, ${status})`;
  }
  const lines = output.map((l) => l.trim()).filter((l) => l !== '');
  return lines.length === 0 ? cause : `${cause}; last output: ${lines.join(' | ')}`;
}

/** Scales a side's workload to `instances`; nothing happens when it is gone or has as many. */
export async function scaleSide(
  runtime: WorkloadRuntime,
  service: string,
  instances: number,
): Promise<void> {
  const ref = sideRef(service);
  const seen = await runtime.observe(ref);
  if (seen !== null && seen.replicas !== instances) await runtime.scale(ref, instances);
}

/** Stops and removes a side's workload; nothing happens when it is already gone. */
export async function removeSide(runtime: WorkloadRuntime, service: string): Promise<void> {
  await runtime.remove(sideRef(service));
}

/** What the runtime says of a side's workload now, as `decide` reads it. */
export async function observeSide(
  runtime: WorkloadRuntime,
  service: string,
): Promise<SideObservation> {
  const ref = sideRef(service);
  const seen = await runtime.observe(ref);
  if (seen === null) {
    return { exists: false, status: null, desired: 0, ready: 0, failure: null };
  }
  const status = workloadStatus(seen);
  const broken = status === 'CRASHLOOP' || status === 'ERRORED';
  return {
    exists: true,
    status,
    desired: seen.replicas,
    ready: readyCount(seen),
    // Only a broken side is asked what it wrote, which says why.
    failure: broken ? whyBroken(seen, await runtime.recentOutput(ref, OUTPUT_LINES)) : null,
  };
}
