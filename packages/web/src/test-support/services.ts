import type { Service, ServiceInstance, ServiceSpec } from '../api/types';

/** A definition with every default the server fills in, as GET /api/services answers it. */
export function serviceSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'web',
    command: '/usr/bin/node',
    args: [],
    env: {},
    shell: false,
    instances: 1,
    restart: 'always',
    backoff: {
      initial_ms: 100,
      max_ms: 30_000,
      multiplier: 2,
      jitter: 0.2,
      reset_after_ms: 30_000,
    },
    crashloop: { max_restarts: 5, window_ms: 60_000 },
    readiness_timeout_ms: 30_000,
    stop_timeout_ms: 5000,
    stop_signal: 'SIGTERM',
    enabled: true,
    ...overrides,
  };
}

/** Instance `n` in `state`, not sampled yet. */
export function instanceView(n: number, state: string): ServiceInstance {
  return {
    instance: n,
    state,
    desired: 'running',
    pid: 1000 + n,
    port: 8080 + n,
    restarts: 0,
    startedAt: null,
    readyAt: null,
    uptimeSeconds: 0,
    cpuPercent: null,
    rssBytes: null,
    lastExit: null,
    nextRestartAt: null,
    reason: null,
  };
}

/** A service as the server shows it: its definition, and one instance per state given. */
export function serviceView(
  overrides: Partial<ServiceSpec> = {},
  states: string[] = [],
  version = 3,
): Service {
  const spec = serviceSpec(overrides);
  return {
    name: spec.name,
    version,
    status: 'ONLINE',
    rolling: false,
    spec,
    ready: states.filter((s) => s === 'online').length,
    desired: spec.instances,
    restarts: 0,
    // As the server says it: unknown until an instance has been sampled.
    cpuPercent: null,
    rssBytes: null,
    instances: states.map((s, i) => instanceView(i, s)),
  };
}
