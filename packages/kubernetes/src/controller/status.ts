/**
 * What the controller keeps in a CanaryDeployment's status: the release record core's `decide`
 * works on (`status.release`) and, beside it, the summary people and `kubectl get` read.
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { isFinal, phaseOf, type AppRecord, type Deployment } from '@codedance/core';
import type { CanaryCondition, CanaryDeployment, CanaryDeploymentStatus } from '../canary/index.js';

/**
 * Where handing the new version to the target Deployment stands: `started` once the target got
 * the canary's template, `done` once the canary Deployment is gone.
 */
export type Handover = 'none' | 'started' | 'done';

/** `status.release`: everything the controller needs to carry on from where it was. */
export interface ReleaseState {
  record: Deployment;
  app: AppRecord;
  /** The target's pod template when the release began: what a rollback keeps. */
  stableTemplate: V1PodTemplateSpec;
  /** The container the release changes. */
  container: string;
  /** The generation of the resource the release was started for. */
  generation: number;
  handover: Handover;
}

export function releaseOf(cr: CanaryDeployment): ReleaseState | null {
  const release = cr.status?.release as Partial<ReleaseState> | undefined;
  return release?.record === undefined ? null : (release as ReleaseState);
}

function condition(
  type: string,
  on: boolean,
  reason: string,
  message: string,
  previous: readonly CanaryCondition[],
  now: string,
  generation: number,
): CanaryCondition {
  const status = on ? 'True' : 'False';
  const before = previous.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message: message.slice(0, 32_000),
    lastTransitionTime:
      before?.status === status && before.lastTransitionTime !== undefined
        ? before.lastTransitionTime
        : now,
    observedGeneration: generation,
  };
}

/** The status for a release in this state. */
export function statusOf(
  cr: CanaryDeployment,
  state: ReleaseState,
  nowIso: string,
): CanaryDeploymentStatus {
  const d = state.record;
  const handingOver = d.status === 'COMPLETED' && state.handover !== 'done';
  const phase = handingOver ? 'Progressing' : phaseOf(d.status);
  const last = d.logs.at(-1)?.message ?? '';
  const reason = handingOver
    ? `handing ${d.version} over to Deployment ${cr.spec.targetDeployment}`
    : (d.reason ?? last);
  const generation = cr.metadata.generation ?? 0;
  const previous = cr.status?.conditions ?? [];
  const done = isFinal(d.status) && !handingOver;
  return {
    observedGeneration: generation,
    phase,
    currentStep: d.canary.currentStep,
    currentWeight: d.canary.currentWeight,
    ...(d.previousVersion === null ? {} : { stableVersion: d.previousVersion }),
    canaryVersion: d.version,
    reason: reason.slice(0, 1024),
    startedAt: d.startTime,
    ...(done && d.endTime !== null ? { finishedAt: d.endTime } : {}),
    release: state,
    conditions: [
      condition('Progressing', !done, phase, reason, previous, nowIso, generation),
      condition(
        'Succeeded',
        done && d.status === 'COMPLETED',
        d.status,
        reason,
        previous,
        nowIso,
        generation,
      ),
    ],
  };
}

/** The status of a resource the controller refuses to release, with why. */
export function refusedStatus(
  cr: CanaryDeployment,
  reason: string,
  nowIso: string,
): CanaryDeploymentStatus {
  const generation = cr.metadata.generation ?? 0;
  const previous = cr.status?.conditions ?? [];
  return {
    ...cr.status,
    observedGeneration: generation,
    phase: 'Failed',
    reason: reason.slice(0, 1024),
    conditions: [
      condition('Progressing', false, 'Invalid', reason, previous, nowIso, generation),
      condition('Succeeded', false, 'Invalid', reason, previous, nowIso, generation),
    ],
  };
}
