import type { InstanceState, ServiceSpec } from '@codedance/core';
import type { LogSource } from '../logs/index.js';
import type { WorkloadContext } from '../workloads/index.js';
import type { ServiceInstance } from './instance.js';

/** What an instance is given by its supervisor: the edges, the clock, and ways to report back. */
export interface InstanceContext extends WorkloadContext {
  clock: () => number;
  random: () => number;
  /** How often CPU and memory are sampled while the process runs. */
  sampleMs: number;
  /** The service's definition and generation now; null once it is deleted. */
  current(service: string): { spec: ServiceSpec; generation: number } | null;
  /**
   * Listens to one instance's output lines (not Codedance's own) after log
   * seq `since` (null: from now on); returns the unsubscribe.
   */
  lines(source: LogSource, since: number | null, listener: (line: string) => void): () => void;
  /** Told after the state or pid changed. */
  changed(instance: ServiceInstance, previous: InstanceState): void;
  /** Told when a restart was decided. */
  restarted(instance: ServiceInstance, reason: string, delayMs: number): void;
}
