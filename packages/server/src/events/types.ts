import type { LogLevel } from '../logs/index.js';

/**
 * Every event a workload controller publishes, by name. The API streams
 * them over `/ws/events`; the dashboard and `codedance … --wait` listen.
 */
export interface WorkloadEvents {
  'task.status': { id: string; status: string; previous: string | null };
  'task.run.started': {
    id: string;
    run: string;
    attempt: number;
    trigger: string;
    pid: number | null;
  };
  'task.run.finished': {
    id: string;
    run: string;
    status: string;
    reason: string | null;
    exitCode: number | null;
    signal: string | null;
    durationMs: number;
  };
  'service.status': { name: string; status: string; previous: string | null };
  'service.instance': {
    name: string;
    instance: number;
    state: string;
    pid: number | null;
    restarts: number;
  };
  'service.restart': {
    name: string;
    instance: number;
    reason: string;
    delayMs: number;
    restarts: number;
  };
  'workload.log': { level: LogLevel; message: string };
  'deployment.status': {
    id: string;
    app: string;
    namespace: string;
    status: string;
    previous: string | null;
    reason: string | null;
  };
  'deployment.progress': {
    id: string;
    app: string;
    namespace: string;
    step: number;
    stepName: string;
    weight: number;
    percentage: number;
  };
}

export type EventName = keyof WorkloadEvents;

/** One published event as stored and streamed. */
export interface BusEvent<K extends EventName = EventName> {
  seq: number;
  time: string;
  type: K;
  data: WorkloadEvents[K];
}
