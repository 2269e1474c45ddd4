import { randomBytes } from 'node:crypto';
import {
  AlreadyExistsError,
  DEPLOYMENT_TYPES,
  RunSpecSchema,
  ValidationError,
  VERSION_PATTERN,
  isFinal,
  newDeployment,
  seenSide,
  type Deployment,
  type DeploymentType,
  type RunSpec,
  type WorkloadRuntime,
} from '@codedance/core';
import { Ajv } from 'ajv';
import { appKey, type AppRecord, type DeliveryBook } from './book.js';
import { stateConflict } from './deps.js';
import { observeSide, plannedSide } from './sides.js';

export interface DeployRequest {
  app: string;
  namespace?: string;
  version: string;
  run?: unknown;
  strategy?: string;
  executor?: string;
}

const validRun = new Ajv({ allErrors: true, strict: false }).compile<RunSpec>(RunSpecSchema);
const VERSION = new RegExp(VERSION_PATTERN);

/** Refuses a request to release that cannot be one, before anything is looked up. */
export function checkDeployRequest(request: DeployRequest): void {
  if (!VERSION.test(request.version)) {
    throw new ValidationError([{ path: '/version', message: `must match ${VERSION_PATTERN}` }]);
  }
  const type = request.strategy;
  if (type !== undefined && !(DEPLOYMENT_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError([
      { path: '/strategy', message: `must be one of ${DEPLOYMENT_TYPES.join(', ')}` },
    ]);
  }
  if (request.run !== undefined && !validRun(request.run)) {
    throw new ValidationError(
      (validRun.errors ?? []).map((e) => ({
        path: `/run${e.instancePath}`,
        message: e.message ?? 'is not valid',
      })),
    );
  }
}

function deploymentId(now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `dep-${day}-${randomBytes(4).toString('hex')}`;
}

/**
 * A new release of `request.version` for the app, PENDING, with its steps planned and a free
 * block of ports for the new side (clear of the ports the app's versions use). Refused while
 * another release of the app runs, and for the version that already serves.
 */
export async function planRelease(
  book: DeliveryBook,
  runtime: WorkloadRuntime,
  record: AppRecord,
  request: DeployRequest,
  now: number,
): Promise<Deployment> {
  const { namespace, name } = record.spec;
  const key = appKey(namespace, name);
  const active = book.latest(namespace, name);
  if (active !== undefined && !isFinal(active.status)) {
    throw stateConflict(
      `release ${active.id} of ${key} is ${active.status}; wait for it, or abort it`,
    );
  }
  if (record.stable?.version === request.version) {
    throw new AlreadyExistsError('version', `${request.version} (already serving ${key})`);
  }
  const run = (request.run as RunSpec | undefined) ?? record.spec.run;
  const used = new Set<number>();
  for (const side of [record.stable, record.previous]) {
    if (side?.port != null) for (let i = 0; i < side.instances; i += 1) used.add(side.port + i);
  }
  const type = (request.strategy as DeploymentType | undefined) ?? record.spec.strategy.type;
  const initial = type === 'ROLLING' && record.stable !== null ? 0 : record.spec.instances;
  const side = await plannedSide(record.spec, request.version, run, initial, used);
  const d = newDeployment({
    id: deploymentId(now),
    app: record.spec,
    version: request.version,
    type,
    run,
    executor: request.executor ?? 'api',
    stable:
      record.stable === null
        ? null
        : seenSide(record.stable, await observeSide(runtime, record.stable.service)),
    canaryService: side.service,
    now,
  });
  return {
    ...d,
    resources: { ...d.resources, canary: { ...d.resources.canary, port: side.port } },
  };
}
