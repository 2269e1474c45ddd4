import {
  commandLine,
  type AppSpec,
  type Readiness,
  type RunSpec,
  type SideObservation,
} from '@codedance/core';
import { describeExit, type ServiceSupervisor, type ServiceView } from '../services/index.js';
import { freePortBlock } from '../runtime/index.js';
import type { ServingSide } from './book.js';

/** The supervised service that runs `version` of an app. */
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

/** The service definition of a side. */
export function sideDefinition(app: AppSpec, side: ServingSide, instances: number): object {
  return {
    name: side.service,
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
    instances,
    ...(side.port === null ? {} : { port: side.port }),
    restart: 'always',
    readiness: readinessOf(app),
    readiness_timeout_ms: app.readinessTimeoutMs,
    stop_timeout_ms: 10_000,
  };
}

/**
 * Makes the side's service exist with `instances` instances, started; idempotent, so a
 * controller restarted in the middle picks up what it already created.
 */
export async function ensureSide(
  supervisor: ServiceSupervisor,
  app: AppSpec,
  side: ServingSide,
  instances: number,
): Promise<ServiceView> {
  if (!supervisor.has(side.service)) {
    return supervisor.create(sideDefinition(app, side, instances), { start: true });
  }
  const view = supervisor.view(side.service);
  if (view.desired !== instances) return supervisor.scale(side.service, instances);
  if (view.status === 'STOPPED') return supervisor.startService(side.service);
  return view;
}

/** Output lines of a failing version quoted in a release's reason. */
const OUTPUT_LINES = 3;

/**
 * Why a side's version does not run, for the release's reason: the error that kept an instance
 * from starting (no such command, not executable…) or how its process last ended, then the last
 * lines it wrote. `view` is the supervisor's `get`, which carries the log tail of a broken service.
 */
export function whyBroken(view: ServiceView): string {
  const failed =
    view.instances.find((i) => i.state === 'errored') ??
    view.instances.find((i) => i.lastExit !== null);
  let cause = `is ${view.status}`;
  if (failed?.state === 'errored') cause = `could not start: ${failed.reason ?? 'unknown error'}`;
  else if (failed?.lastExit != null) {
    const restarts = failed.restarts === 1 ? '1 restart' : `${failed.restarts} restarts`;
    cause = `${describeExit(failed.lastExit)} (${restarts}, ${view.status})`;
  }
  const output = (view.logTail ?? [])
    .filter((l) => l.stream !== 'system' && l.line.trim() !== '')
    .slice(-OUTPUT_LINES)
    .map((l) => l.line.trim());
  return output.length === 0 ? cause : `${cause}; last output: ${output.join(' | ')}`;
}

/** Stops and deletes a side's service; nothing happens when it is already gone. */
export async function removeSide(supervisor: ServiceSupervisor, service: string): Promise<void> {
  if (supervisor.has(service)) await supervisor.remove(service);
}

/** What the supervisor says of a side's service now, as `decide` reads it. */
export async function observeSide(
  supervisor: ServiceSupervisor,
  service: string,
): Promise<SideObservation> {
  if (!supervisor.has(service)) {
    return { exists: false, status: null, desired: 0, ready: 0, failure: null };
  }
  const view = supervisor.view(service);
  const broken = view.status === 'CRASHLOOP' || view.status === 'ERRORED';
  return {
    exists: true,
    status: view.status,
    desired: view.desired,
    ready: view.ready,
    // Only a broken service carries its log tail, which says why.
    failure: broken ? whyBroken(await supervisor.get(service)) : null,
  };
}
