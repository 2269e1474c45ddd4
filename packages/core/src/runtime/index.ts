/**
 * The workload runtime seam: how a controller runs named workloads without knowing whether
 * they are processes on this host or pods in a cluster. Plain data and pure functions only.
 */
export {
  MAX_REPLICAS,
  PortPolicySchema,
  ReplicasSchema,
  WORKLOAD_ENVIRONMENT_PATTERN,
  WORKLOAD_NAME_PATTERN,
  WorkloadSpecSchema,
  refKey,
  refProblems,
  replicasProblems,
  validateWorkloadSpec,
  type PortPolicy,
  type WorkloadRef,
  type WorkloadSpec,
  type WorkloadSpecInput,
} from './spec.js';
export {
  INSTANCE_PHASES,
  type Endpoint,
  type ExitReason,
  type InstanceDetails,
  type InstancePhase,
  type WatchFilter,
  type WorkloadChange,
  type WorkloadEvent,
  type WorkloadInstance,
  type WorkloadObservation,
  type WorkloadRuntime,
} from './types.js';
export { observationChanges, readyCount, workloadStatus } from './changes.js';
export { ChangeStream } from './stream.js';
