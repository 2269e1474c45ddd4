/**
 * A CanaryDeployment as core's release model sees it: the app spec its fields stand for, the
 * sides its Deployments are, and the pod template of the canary. Pure translation, no I/O.
 */
import { createHash } from 'node:crypto';
import type { V1Deployment, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import {
  validateAppManifest,
  workloadStatus,
  type AppSpec,
  type SideObservation,
  type TrafficTable,
} from '@codedance/core';
import type { CanaryDeploymentSpec } from '../canary/index.js';
import { instanceOf, livePods } from '../runtime/index.js';
import { APP_LABEL, VERSION_LABEL } from '../traffic/index.js';

/** The canary Deployment of a target: `<target>-canary`. */
export function canaryName(target: string): string {
  return `${target.slice(0, 56)}-canary`;
}

/** A name that fits core's pattern (`max` characters), a digest where the original does not. */
function fitted(name: string, max: number): string {
  if (name.length <= max && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) return name;
  return `k${createHash('sha256')
    .update(name)
    .digest('hex')
    .slice(0, max - 1)}`;
}

/** Core's manifest for the release the resource asks for, with `instances` per version. */
export function appSpecOf(
  namespace: string,
  spec: CanaryDeploymentSpec,
  instances: number,
  image: string,
): AppSpec {
  const strategy = spec.strategy ?? {};
  const steps = strategy.steps?.map((s) => ({
    weight: s.weight,
    ...(s.pause === undefined ? {} : { pause: s.pause === 'untilPromoted' ? {} : s.pause }),
    ...(s.analysis === undefined ? {} : { analysis: s.analysis }),
  }));
  const type = strategy.type ?? 'linear';
  const blueGreen = type === 'blueGreen';
  const metrics = spec.metrics ?? {};
  const analysis = spec.analysis ?? {};
  const baseline = analysis.baseline ?? {};
  const rollback = spec.autoRollback ?? {};
  const manifest = {
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: fitted(spec.targetDeployment, 24), namespace: fitted(namespace, 16) },
    spec: {
      port: spec.traffic?.port ?? 80,
      instances: Math.min(Math.max(instances, 1), 32),
      run: { command: image },
      strategy: blueGreen
        ? {
            type: 'BLUE_GREEN',
            blueGreen: {
              ...(steps === undefined ? {} : { switch: steps.map((s) => Math.max(1, s.weight)) }),
              ...(strategy.observe === undefined ? {} : { observe: strategy.observe }),
            },
          }
        : {
            type: 'CANARY',
            canary: {
              ...(steps === undefined ? { preset: type } : { steps }),
              ...(strategy.stepPause === undefined ? {} : { stepPause: strategy.stepPause }),
            },
          },
      analysis: {
        ...(analysis.interval === undefined ? {} : { interval: analysis.interval }),
        ...(analysis.minRequests === undefined ? {} : { minRequests: analysis.minRequests }),
        ...(analysis.failureLimit === undefined ? {} : { failureLimit: analysis.failureLimit }),
        successRate: metrics.successRate?.threshold ?? 0.95,
        errorRate: metrics.errorRate?.threshold ?? 0.05,
        ...(metrics.latency?.p50 === undefined ? {} : { latencyP50: metrics.latency.p50 }),
        ...(metrics.latency?.p90 === undefined ? {} : { latencyP90: metrics.latency.p90 }),
        latencyP99: metrics.latency?.p99 ?? '200ms',
        ...(metrics.requestRate === undefined ? {} : { requestRate: metrics.requestRate.min }),
        baseline: baseline.enabled ?? true,
        ...(baseline.alpha === undefined ? {} : { alpha: baseline.alpha }),
        ...(baseline.minErrorIncrease === undefined
          ? {}
          : { minErrorIncrease: baseline.minErrorIncrease }),
        ...(baseline.minLatencyShift === undefined
          ? {}
          : { minLatencyShift: baseline.minLatencyShift }),
      },
      autoRollback: (rollback.enabled ?? true) && (rollback.onMetricsFail ?? true),
      keepPrevious: 0,
      sticky: spec.traffic?.sticky ?? false,
      headerRouting: spec.traffic?.headerRouting ?? true,
      hooks: spec.hooks?.confirmPromotion === true ? { confirmPromotion: true } : {},
    },
  };
  const checked = validateAppManifest(manifest);
  if (!checked.ok) {
    const first = checked.problems[0];
    throw new Error(
      `the resource cannot be released as it is: ${first?.path ?? ''} ${first?.message ?? ''}`,
    );
  }
  return checked.value;
}

/** The container a patch changes: the named one, or the first. */
export function patchedContainer(spec: CanaryDeploymentSpec, template: V1PodTemplateSpec): string {
  return spec.templatePatch?.container ?? template.spec?.containers[0]?.name ?? '';
}

/** `registry/app:v1` with its tag set to `version`. */
function retagged(image: string, version: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : colon > slash ? image.slice(0, colon) : image;
  return `${base}:${version}`;
}

/** The version a target's pods run: their version label, else their image's tag. */
export function versionOfTemplate(template: V1PodTemplateSpec, container: string): string {
  const label = template.metadata?.labels?.[VERSION_LABEL];
  if (label !== undefined) return label;
  const image = template.spec?.containers.find((c) => c.name === container)?.image ?? '';
  const colon = image.lastIndexOf(':');
  const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '';
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/.test(tag) ? tag : 'stable';
}

/** The canary's pod template: the target's, with the patch, the new image and the version labels. */
export function canaryTemplate(
  spec: CanaryDeploymentSpec,
  target: V1PodTemplateSpec,
): V1PodTemplateSpec {
  const template = structuredClone(target);
  const container = patchedContainer(spec, template);
  template.metadata = template.metadata ?? {};
  template.metadata.labels = {
    ...template.metadata.labels,
    [VERSION_LABEL]: spec.canaryVersion,
    [APP_LABEL]: spec.targetDeployment,
  };
  for (const c of template.spec?.containers ?? []) {
    if (c.name !== container) continue;
    c.image = spec.templatePatch?.image ?? retagged(c.image ?? '', spec.canaryVersion);
    const env = [...(c.env ?? [])];
    for (const variable of spec.templatePatch?.env ?? []) {
      const at = env.findIndex((e) => e.name === variable.name);
      if (at >= 0) env[at] = variable;
      else env.push(variable);
    }
    c.env = env;
  }
  return template;
}

/** The image of the patched container of a template. */
export function imageOf(template: V1PodTemplateSpec, container: string): string {
  return template.spec?.containers.find((c) => c.name === container)?.image ?? 'image';
}

/** A Deployment (null: none) and its pods as one side of the release. */
export function sideObservation(
  deployment: V1Deployment | null,
  pods: readonly V1Pod[],
  container: string,
  readinessTimeoutMs: number,
  now: number,
): SideObservation {
  if (deployment === null || deployment.metadata?.deletionTimestamp != null) {
    return { exists: false, status: null, desired: 0, ready: 0, failure: null };
  }
  const kept = { revision: 1, replicas: 0, stopped: false, readinessTimeoutMs, port: null };
  const instances = livePods(pods).map((pod) => instanceOf(pod, kept, now, container));
  const desired = deployment.spec?.replicas ?? 1;
  const failing = instances.find((i) => i.phase === 'crash-looping' || i.phase === 'failed');
  return {
    exists: true,
    status: desired === 0 && instances.length === 0 ? 'STOPPED' : workloadStatus({ instances }),
    desired,
    ready: instances.filter((i) => i.ready).length,
    failure: failing === undefined ? null : (failing.message ?? failing.phase),
  };
}

/** The ready pods' `address:port` for each version, from the pods of the app's Deployments. */
export function endpointsByVersion(
  pods: readonly V1Pod[],
  stableVersion: string,
): Map<string, string[]> {
  const byVersion = new Map<string, string[]>();
  for (const pod of livePods(pods)) {
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const ip = pod.status?.podIP;
    const port = pod.spec?.containers[0]?.ports?.[0]?.containerPort;
    if (ready !== true || ip === undefined || port === undefined) continue;
    const version = pod.metadata?.labels?.[VERSION_LABEL] ?? stableVersion;
    byVersion.set(version, [...(byVersion.get(version) ?? []), `${ip}:${port}`].sort());
  }
  return byVersion;
}

/** `decide`'s table with each version's backends: the ready pods of that version. */
export function resolvedTable(table: TrafficTable, endpoints: Map<string, string[]>): TrafficTable {
  return {
    ...table,
    versions: table.versions.map((v) => ({ ...v, backends: endpoints.get(v.version) ?? [] })),
  };
}

/**
 * The router's table as `decide` names it: a version whose backends are exactly its ready pods
 * is listed without backends (the release's sides have no host ports); any other difference
 * stays, so `decide` sets the table again.
 */
export function tableAsDecided(
  table: TrafficTable,
  endpoints: Map<string, string[]>,
): TrafficTable {
  return {
    ...table,
    versions: table.versions.map((v) => {
      const want = endpoints.get(v.version) ?? [];
      const same = [...v.backends].sort().join(',') === want.join(',');
      return same ? { ...v, backends: [] } : v;
    }),
  };
}
