export type {
  ExitInfo,
  ProcessHandle,
  ProcessSpec,
  ProcessUsage,
  Runtime,
  SpawnFailure,
  StopResult,
} from './types.js';
export { LocalRuntime, type LocalRuntimeOptions } from './local.js';
export { SpawnError, type SpawnSubject } from './errors.js';
export { type StopOptions } from './stop.js';
export { probeHttp, probeTcp, type HttpProbeOptions } from './probe.js';
export { spawnProcess } from './spawn.js';
