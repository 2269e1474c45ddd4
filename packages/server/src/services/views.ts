import { maskEnv, type InstanceState, type ServiceSpec, type ServiceStatus } from '@codedance/core';
import type { ServiceInstance } from './instance.js';
import type { DesiredState, ExitRecord } from './records.js';

/** One instance as the API shows it. */
export type InstanceView = {
  instance: number;
  state: InstanceState;
  desired: DesiredState;
  pid: number | null;
  /** PORT of this instance, when the service has a port. */
  port: number | null;
  generation: number;
  restarts: number;
  startedAt: string | null;
  readyAt: string | null;
  /** Seconds the current process has been running; 0 when none runs. */
  uptimeSeconds: number;
  /** CPU % of the process tree at the last sample (100 = one core); null before the first. */
  cpuPercent: number | null;
  rssBytes: number | null;
  lastExit: ExitRecord | null;
  lastExitCodes: (number | string | null)[];
  nextRestartAt: string | null;
  reason: string | null;
};

/** One line of a crash-looping service's log tail. */
export type TailLine = {
  time: string;
  instance: number | null;
  stream: string;
  line: string;
};

/** A service as the API shows it. */
export type ServiceView = {
  name: string;
  version: number;
  generation: number;
  status: ServiceStatus;
  /** True while a rolling restart is replacing instances. */
  rolling: boolean;
  spec: ServiceSpec;
  /** Instances that are online, and how many the definition asks for. */
  ready: number;
  desired: number;
  restarts: number;
  /** Sums over the instances; null until one of them has been sampled. */
  cpuPercent: number | null;
  rssBytes: number | null;
  instances: InstanceView[];
  /** The newest output lines, oldest first, when the service is crash-looping or errored. */
  logTail?: TailLine[];
};

export function instanceView(
  instance: ServiceInstance,
  spec: ServiceSpec,
  now: number,
): InstanceView {
  const r = instance.data();
  const usage = instance.lastUsage();
  const running = r.pid !== null && r.startedAt !== null;
  return {
    instance: r.instance,
    state: r.state,
    desired: r.desired,
    pid: r.pid,
    port: spec.port === undefined ? null : spec.port + r.instance,
    generation: r.generation,
    restarts: r.restarts,
    startedAt: r.startedAt,
    readyAt: r.readyAt,
    uptimeSeconds: running
      ? Math.max(0, Math.floor((now - Date.parse(r.startedAt ?? '')) / 1000))
      : 0,
    cpuPercent: usage === null ? null : Math.round(usage.cpuPercent * 10) / 10,
    rssBytes: usage?.rssBytes ?? null,
    lastExit: r.lastExit,
    lastExitCodes: r.lastExitCodes,
    nextRestartAt: r.nextRestartAt,
    reason: r.reason,
  };
}

/** What the supervisor knows of a service; the rest of its view is summed from the instances. */
type ServiceBase = Pick<
  ServiceView,
  'name' | 'version' | 'generation' | 'status' | 'rolling' | 'spec'
>;

export function serviceView(base: ServiceBase, instances: InstanceView[]): ServiceView {
  const sampled = instances.some((i) => i.rssBytes !== null);
  return {
    ...base,
    // What answers show: never a secret's value.
    spec: { ...base.spec, env: maskEnv(base.spec.env) },
    ready: instances.filter((i) => i.state === 'online').length,
    desired: base.spec.instances,
    restarts: instances.reduce((sum, i) => sum + i.restarts, 0),
    cpuPercent: sampled
      ? Math.round(instances.reduce((sum, i) => sum + (i.cpuPercent ?? 0), 0) * 10) / 10
      : null,
    rssBytes: sampled ? instances.reduce((sum, i) => sum + (i.rssBytes ?? 0), 0) : null,
    instances,
  };
}
