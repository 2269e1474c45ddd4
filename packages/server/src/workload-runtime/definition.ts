import type { ServiceSpecInput, WorkloadSpec } from '@codedance/core';
import { serviceName } from './names.js';

/**
 * The service definition that runs `spec` on this host, instance i listening on `port + i`.
 * Instances always restart after they end, with the supervisor's back-off and crash-loop
 * limits, as a Kubernetes Deployment's pods do.
 */
export function serviceDefinition(spec: WorkloadSpec, port: number | null): ServiceSpecInput {
  return {
    name: serviceName(spec),
    command: spec.command ?? '',
    args: spec.args,
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    env: spec.env,
    shell: spec.shell,
    instances: spec.replicas,
    ...(port === null ? {} : { port }),
    restart: 'always',
    ...(spec.readiness === undefined ? {} : { readiness: spec.readiness }),
    readiness_timeout_ms: spec.readinessTimeoutMs,
    stop_timeout_ms: spec.stopTimeoutMs,
  };
}

/** The ports a service's instances are told, lowest first. */
export function portsOf(spec: { port?: number; instances: number }): number[] {
  const first = spec.port;
  return first === undefined ? [] : Array.from({ length: spec.instances }, (_, i) => first + i);
}
