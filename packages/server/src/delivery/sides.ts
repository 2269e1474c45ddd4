import {
  commandLine,
  type AppSpec,
  type Readiness,
  type RunSpec,
  type SideResource,
} from '@codedance/core';
import type { ServiceSupervisor, ServiceView } from '../services/index.js';
import type { RouteTableInput } from '@codedance/router';
import { freePortBlock } from './ports.js';
import type { AppRecord, ServingSide } from './book.js';

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

/** Stops and deletes a side's service; nothing happens when it is already gone. */
export async function removeSide(supervisor: ServiceSupervisor, service: string): Promise<void> {
  if (supervisor.has(service)) await supervisor.remove(service);
}

/** What the supervisor says about a side, as the record shows it. */
export function sideState(
  supervisor: ServiceSupervisor,
  side: SideResource,
): Pick<SideResource, 'ready' | 'state' | 'instances'> {
  if (!supervisor.has(side.service)) {
    return {
      ready: 0,
      state: side.state === 'pending' ? 'pending' : 'stopped',
      instances: side.instances,
    };
  }
  const view = supervisor.view(side.service);
  const state: SideResource['state'] =
    view.status === 'ONLINE'
      ? 'running'
      : view.status === 'STOPPED' || view.status === 'STOPPING'
        ? 'stopped'
        : view.status === 'STARTING'
          ? 'starting'
          : 'failed';
  return { ready: view.ready, state, instances: view.desired };
}

function backends(side: SideResource, host: string, count = side.instances): string[] {
  const first = side.port;
  if (first === null) return [];
  return Array.from({ length: count }, (_, i) => `${host}:${first + i}`);
}

/**
 * The router table for an app: `canaryWeight` percent to the new side and the rest to the
 * stable one; a warm previous version stays in the table at weight 0.
 */
export function routeTable(
  record: AppRecord,
  sides: { stable: SideResource | null; canary: SideResource | null },
  canaryWeight: number,
  host: string,
  counts: { stable?: number; canary?: number } = {},
): RouteTableInput {
  const versions: RouteTableInput['versions'] = [];
  const { stable, canary } = sides;
  if (stable !== null) {
    versions.push({
      version: stable.version,
      weight: canary === null ? 100 : 100 - canaryWeight,
      backends: backends(stable, host, counts.stable),
    });
  }
  if (canary !== null) {
    versions.push({
      version: canary.version,
      weight: stable === null ? 100 : canaryWeight,
      backends: backends(canary, host, counts.canary),
    });
  }
  const previous = record.previous;
  if (previous !== null && !versions.some((v) => v.version === previous.version)) {
    versions.push({ version: previous.version, weight: 0, backends: backends(previous, host) });
  }
  const stableVersion = stable?.version ?? canary?.version ?? 'stable';
  return {
    versions,
    stable: stableVersion,
    canary: canary?.version ?? stableVersion,
    sticky: record.spec.sticky,
    headerRouting: record.spec.headerRouting,
  };
}
