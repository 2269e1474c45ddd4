import type { Logger } from 'pino';
import type { EventPublisher } from '../events/index.js';
import type { LogHub } from '../logs/index.js';
import type { ProcessRuntime } from '../runtime/index.js';
import type { StoreGate } from '../store/index.js';

/**
 * The edges the workload controllers work through, shared by the task
 * controller with its runs and the service supervisor with its instances.
 */
export interface WorkloadContext {
  /** The tenant whose workloads these are: every record, log source and event carries it. */
  tenant: string;
  gate: StoreGate;
  runtime: ProcessRuntime;
  hub: LogHub;
  bus: EventPublisher;
  logger: Logger;
  /** The folder under which workloads' own log files are written (the hub's folder). */
  logsDir: string;
  /** The server's environment; workloads get it without Codedance's secrets. */
  env: NodeJS.ProcessEnv;
}
