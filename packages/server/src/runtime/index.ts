export type {
  ExitInfo,
  ProcessHandle,
  ProcessSpec,
  ProcessUsage,
  ProcessRuntime,
  SpawnFailure,
  StopResult,
} from './types.js';
export { LocalProcesses, type LocalProcessesOptions } from './local.js';
export { SpawnError, type SpawnSubject } from './errors.js';
export { type StopOptions } from './stop.js';
export { probeHttp, probeTcp, type HttpProbeOptions } from './probe.js';
export { spawnProcess } from './spawn.js';
export { freePortBlock } from './ports.js';
