import type {
  ExitReason,
  InstancePhase,
  WorkloadInstance,
  WorkloadObservation,
  WorkloadRef,
} from '@codedance/core';
import { describeExit, type InstanceView, type ServiceView } from '../services/index.js';

/** Where this host's instances listen, and where their readiness is checked. */
export const LOCAL_ADDRESS = '127.0.0.1';

function phaseOf(view: InstanceView): InstancePhase {
  switch (view.state) {
    case 'starting':
      return 'starting';
    case 'online':
      return 'ready';
    case 'unready':
      return 'unready';
    case 'stopping':
      return 'stopping';
    case 'backoff':
      return 'restarting';
    case 'crashloop':
      return 'crash-looping';
    case 'errored':
      return 'failed';
    case 'stopped':
      return view.lastExit === null ? 'pending' : 'exited';
  }
}

function epoch(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

function exitReason(view: InstanceView): ExitReason | null {
  const exit = view.lastExit;
  if (exit === null) return null;
  return {
    code: exit.code,
    signal: exit.signal,
    reason: describeExit(exit),
    at: Date.parse(exit.at),
  };
}

/**
 * One instance as the runtime shows it. Its id is its slot and the generation its process was
 * started at: a restart after a crash keeps it, a rolling replacement gives a new one.
 */
function instanceOf(view: InstanceView): WorkloadInstance {
  const phase = phaseOf(view);
  const running = view.pid !== null;
  return {
    id: `${view.instance}-g${view.generation}`,
    revision: view.generation,
    phase,
    ready: phase === 'ready',
    readySince: phase === 'ready' ? epoch(view.readyAt) : null,
    endpoint: view.port === null ? null : { address: LOCAL_ADDRESS, port: view.port },
    restarts: view.restarts,
    startedAt: running ? epoch(view.startedAt) : null,
    lastExit: exitReason(view),
    message: view.reason,
    details: {
      pid: view.pid,
      slot: view.instance,
      cpuPercent: view.cpuPercent,
      rssBytes: view.rssBytes,
    },
  };
}

/**
 * A workload from the service that runs it. Instances a person or `stop` stopped, and that
 * have ended, are left out: to a watcher they are gone.
 */
export function observationOf(ref: WorkloadRef, view: ServiceView): WorkloadObservation {
  const kept = view.instances.filter((i) => !(i.desired === 'stopped' && i.state === 'stopped'));
  return {
    ref,
    revision: view.generation,
    replicas: view.desired,
    stopped: view.instances.every((i) => i.desired === 'stopped'),
    instances: kept.map(instanceOf),
  };
}
