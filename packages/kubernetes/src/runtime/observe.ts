/**
 * A workload as its Deployment and pods show it: pure translation from what the API server
 * stores to the runtime interface's plain data.
 */
import { constants } from 'node:os';
import type {
  V1ContainerStateTerminated,
  V1ContainerStatus,
  V1Deployment,
  V1Pod,
} from '@kubernetes/client-node';
import type {
  ExitReason,
  InstancePhase,
  WorkloadInstance,
  WorkloadObservation,
  WorkloadRef,
} from '@codedance/core';
import { CONTAINER, keptOf, REVISION_ANNOTATION, type Kept } from './objects.js';

/** Waiting reasons that mean the container cannot be started as it is. */
const CANNOT_START = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

function ms(time: Date | string | undefined): number | null {
  if (time === undefined) return null;
  const value = time instanceof Date ? time.getTime() : Date.parse(time);
  return Number.isNaN(value) ? null : value;
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

function exitOf(terminated: V1ContainerStateTerminated | undefined): ExitReason | null {
  if (terminated === undefined) return null;
  const signal =
    terminated.signal === undefined || terminated.signal === 0
      ? null
      : (SIGNAL_NAMES.get(terminated.signal) ?? `signal ${terminated.signal}`);
  return {
    code: signal === null ? terminated.exitCode : null,
    signal,
    reason: signal === null ? `exited with code ${terminated.exitCode}` : `killed by ${signal}`,
    at: ms(terminated.finishedAt) ?? 0,
  };
}

function phaseOf(
  status: V1ContainerStatus | undefined,
  kept: Kept,
  now: number,
): { phase: InstancePhase; message: string | null } {
  const waiting = status?.state?.waiting;
  if (waiting?.reason !== undefined && CANNOT_START.has(waiting.reason)) {
    return { phase: 'failed', message: waiting.message ?? waiting.reason };
  }
  // A kubelet waits with CrashLoopBackOff from the first exit: until the container has been
  // started again at least once, it is restarting rather than looping.
  if (waiting?.reason === 'CrashLoopBackOff' && (status?.restartCount ?? 0) === 0) {
    return { phase: 'restarting', message: waiting.message ?? null };
  }
  if (waiting?.reason === 'CrashLoopBackOff') {
    const last = status?.lastState?.terminated;
    return {
      phase: 'crash-looping',
      message: last?.message?.trim() || waiting.message || 'the container keeps ending',
    };
  }
  const running = status?.state?.running;
  if (running !== undefined) {
    if (status?.ready === true) return { phase: 'ready', message: null };
    const started = ms(running.startedAt) ?? now;
    const late = now - started > kept.readinessTimeoutMs;
    return {
      phase: late ? 'unready' : 'starting',
      message: late ? 'its readiness check fails' : null,
    };
  }
  const terminated = status?.state?.terminated;
  if (terminated !== undefined) {
    return { phase: 'exited', message: exitOf(terminated)?.reason ?? null };
  }
  return { phase: 'pending', message: null };
}

/** One pod as an instance. */
export function instanceOf(
  pod: V1Pod,
  kept: Kept,
  now: number,
  container = CONTAINER,
): WorkloadInstance {
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  const { phase, message } = phaseOf(status, kept, now);
  const ready = phase === 'ready';
  const readyCondition = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const address = pod.status?.podIP;
  return {
    id: pod.metadata?.name ?? '',
    revision: Number(pod.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0'),
    phase,
    ready,
    readySince: ready ? (ms(readyCondition?.lastTransitionTime) ?? now) : null,
    endpoint:
      kept.port === null || address === undefined || address === ''
        ? null
        : { address, port: kept.port },
    restarts: status?.restartCount ?? 0,
    startedAt: ms(status?.state?.running?.startedAt),
    lastExit: exitOf(status?.lastState?.terminated ?? status?.state?.terminated),
    message,
    details: {
      pod: pod.metadata?.name ?? '',
      node: pod.spec?.nodeName ?? null,
      podPhase: pod.status?.phase ?? null,
    },
  };
}

/** Pods that count: not on their way out. */
export function livePods(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter(
    (p) =>
      p.metadata?.deletionTimestamp == null &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
}

/** The workload as its Deployment and pods show it; null when the Deployment is gone or going. */
export function observationOf(
  ref: WorkloadRef,
  deployment: V1Deployment | null,
  pods: readonly V1Pod[],
  now: number,
): WorkloadObservation | null {
  if (deployment === null || deployment.metadata?.deletionTimestamp != null) return null;
  const kept = keptOf(deployment);
  const instances = livePods(pods)
    .map((pod) => instanceOf(pod, kept, now))
    .sort((a, b) => a.id.localeCompare(b.id));
  return {
    ref: { environment: ref.environment, name: ref.name },
    revision: kept.revision,
    replicas: kept.replicas,
    stopped: kept.stopped,
    instances,
  };
}

/** Every line of the given pods' last failures, oldest pod first: what their containers wrote. */
export function failureOutput(pods: readonly V1Pod[]): string[] {
  const lines: string[] = [];
  for (const pod of pods) {
    const status = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER);
    const message =
      status?.lastState?.terminated?.message ?? status?.state?.terminated?.message ?? '';
    for (const line of message.split('\n')) if (line.trim() !== '') lines.push(line);
  }
  return lines;
}
