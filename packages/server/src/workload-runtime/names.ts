import {
  WORKLOAD_ENVIRONMENT_PATTERN,
  WORKLOAD_NAME_PATTERN,
  type WorkloadRef,
} from '@codedance/core';

const ENVIRONMENT = new RegExp(WORKLOAD_ENVIRONMENT_PATTERN);
const NAME = new RegExp(WORKLOAD_NAME_PATTERN);

/**
 * The supervised service that runs a workload: `<environment>.<name>`. An environment has no
 * dots, so the name splits back at the first one and two workloads never share a service.
 */
export function serviceName(ref: WorkloadRef): string {
  return `${ref.environment}.${ref.name}`;
}

/** The workload a service runs; null for a service that is no workload's (`web`, `Tools.x`). */
export function workloadOf(service: string): WorkloadRef | null {
  const dot = service.indexOf('.');
  if (dot < 0) return null;
  const ref = { environment: service.slice(0, dot), name: service.slice(dot + 1) };
  return ENVIRONMENT.test(ref.environment) && NAME.test(ref.name) ? ref : null;
}
