/** The answers of `/api/services…`, as the server's views define them. */
export interface InstanceAnswer {
  instance: number;
  state: string;
  desired: string;
  pid: number | null;
  port: number | null;
  restarts: number;
  uptimeSeconds: number;
  cpuPercent: number | null;
  rssBytes: number | null;
  lastExitCodes: (number | string | null)[];
  reason: string | null;
}

export interface ServiceAnswer {
  name: string;
  version: number;
  status: string;
  rolling: boolean;
  ready: number;
  desired: number;
  restarts: number;
  /** Null until an instance has been sampled. */
  cpuPercent: number | null;
  rssBytes: number | null;
  spec: { readiness?: unknown; readiness_timeout_ms?: number; stop_timeout_ms?: number };
  instances: InstanceAnswer[];
  logTail?: { time: string; instance: number | null; stream: string; line: string }[];
}

export const servicePath = (name: string, tail = '') =>
  `/api/services/${encodeURIComponent(name)}${tail}`;
