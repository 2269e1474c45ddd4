/**
 * How a workload becomes a Deployment: its name, its labels, and a pod template that runs the
 * spec. Everything the runtime needs to know again later (the workload's own name, its revision,
 * its replicas while stopped) is kept on the Deployment itself, so a new process finds it all.
 */
import { createHash } from 'node:crypto';
import type { V1Container, V1Deployment, V1EnvVar, V1Probe } from '@kubernetes/client-node';
import { ValidationError, type WorkloadRef, type WorkloadSpec } from '@codedance/core';

/** Marks what this runtime made; its informers select on it. */
export const RUNTIME_LABEL = 'deploy.codedance.io/runtime';
/** The Deployment's name, on the Deployment and on its pods: the pods' selector. */
export const WORKLOAD_LABEL = 'deploy.codedance.io/workload';
/** The workload's own name (which may not be a valid object name). */
export const NAME_ANNOTATION = 'deploy.codedance.io/workload-name';
export const REVISION_ANNOTATION = 'deploy.codedance.io/revision';
const TEMPLATE_HASH_ANNOTATION = 'deploy.codedance.io/template-hash';
const REPLICAS_ANNOTATION = 'deploy.codedance.io/replicas';
const STOPPED_ANNOTATION = 'deploy.codedance.io/stopped';
export const READINESS_TIMEOUT_ANNOTATION = 'deploy.codedance.io/readiness-timeout-ms';
const PORT_ANNOTATION = 'deploy.codedance.io/port';

/** The container every workload pod runs. */
export const CONTAINER = 'main';
/** Where an `assigned` port listens: every pod has an address of its own, so one port serves. */
export const ASSIGNED_PORT = 8080;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The Deployment of a workload: its name when that is a DNS label, a digest of it otherwise. */
export function deploymentName(ref: WorkloadRef): string {
  if (DNS_LABEL.test(ref.name) && ref.name.length <= 47) return ref.name;
  return `w-${createHash('sha256').update(ref.name).digest('hex').slice(0, 16)}`;
}

/** The selector of a workload's pods. */
export function podSelector(ref: WorkloadRef): string {
  return `${WORKLOAD_LABEL}=${deploymentName(ref)}`;
}

/** The workload a Deployment or a pod belongs to, from what the runtime wrote on it. */
export function refOfObject(meta: {
  namespace?: string;
  annotations?: Record<string, string>;
}): WorkloadRef | null {
  const name = meta.annotations?.[NAME_ANNOTATION];
  if (meta.namespace === undefined || name === undefined) return null;
  return { environment: meta.namespace, name };
}

/** The state the runtime keeps on a Deployment. */
export interface Kept {
  revision: number;
  replicas: number;
  stopped: boolean;
  readinessTimeoutMs: number;
  port: number | null;
}

export function keptOf(deployment: V1Deployment): Kept {
  const a = deployment.metadata?.annotations ?? {};
  const port = Number(a[PORT_ANNOTATION]);
  return {
    revision: Number(a[REVISION_ANNOTATION] ?? '1'),
    replicas: Number(a[REPLICAS_ANNOTATION] ?? deployment.spec?.replicas ?? 1),
    stopped: a[STOPPED_ANNOTATION] === 'true',
    readinessTimeoutMs: Number(a[READINESS_TIMEOUT_ANNOTATION] ?? '30000'),
    port: Number.isInteger(port) && port > 0 ? port : null,
  };
}

function portOf(spec: WorkloadSpec): number | null {
  switch (spec.ports.kind) {
    case 'none':
      return null;
    case 'assigned':
      return ASSIGNED_PORT;
    case 'block':
      // Every pod has its own address: the block's first port serves for all of them.
      return spec.ports.first;
  }
}

function probeOf(spec: WorkloadSpec, port: number | null): V1Probe | undefined {
  const readiness = spec.readiness;
  const often = { periodSeconds: 1, failureThreshold: 1, successThreshold: 1, timeoutSeconds: 2 };
  if (readiness === undefined) return undefined;
  switch (readiness.type) {
    case 'http':
      return { ...often, httpGet: { path: readiness.path, port: readiness.port ?? port ?? 80 } };
    case 'tcp':
      return { ...often, tcpSocket: { port: readiness.port ?? port ?? 80 } };
    case 'uptime':
      return {
        ...often,
        initialDelaySeconds: Math.ceil(readiness.seconds),
        exec: { command: ['true'] },
      };
    case 'log':
      throw new ValidationError(
        [{ path: '/readiness/type', message: 'log readiness is not supported on Kubernetes' }],
        'workload',
      );
  }
}

function containerOf(spec: WorkloadSpec, port: number | null): V1Container {
  if (spec.image === undefined) {
    throw new ValidationError(
      [{ path: '/image', message: 'is required: the kubernetes runtime runs images' }],
      'workload',
    );
  }
  const env: V1EnvVar[] = Object.entries(spec.env).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? value : value.value,
  }));
  if (port !== null) env.unshift({ name: 'PORT', value: String(port) });
  const command =
    spec.command === undefined
      ? undefined
      : spec.shell
        ? ['/bin/sh', '-c', spec.command]
        : [spec.command];
  const probe = probeOf(spec, port);
  return {
    name: CONTAINER,
    image: spec.image,
    ...(command === undefined ? {} : { command }),
    ...(spec.shell || spec.args.length === 0 ? {} : { args: spec.args }),
    ...(spec.cwd === undefined ? {} : { workingDir: spec.cwd }),
    env,
    ...(port === null ? {} : { ports: [{ containerPort: port, protocol: 'TCP' }] }),
    ...(probe === undefined ? {} : { readinessProbe: probe }),
    // Lets the runtime say why a container fails without reading its logs.
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * The Deployment for `spec`. `previous` is the Deployment as it stands (for an update): its
 * revision goes up only when what runs changes, and a stopped workload stays stopped.
 */
export function deploymentOf(spec: WorkloadSpec, previous: V1Deployment | null): V1Deployment {
  const ref = { environment: spec.environment, name: spec.name };
  const name = deploymentName(ref);
  const port = portOf(spec);
  const container = containerOf(spec, port);
  const gracePeriod = Math.ceil(spec.stopTimeoutMs / 1000);
  const hash = createHash('sha256')
    .update(JSON.stringify([container, gracePeriod, spec.readinessTimeoutMs]))
    .digest('hex')
    .slice(0, 16);
  const kept = previous === null ? null : keptOf(previous);
  const before = previous?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
  const revision = kept === null ? 1 : before === hash ? kept.revision : kept.revision + 1;
  const stopped = kept?.stopped ?? false;
  const labels = { [RUNTIME_LABEL]: 'workload', [WORKLOAD_LABEL]: name };
  const annotations = {
    [NAME_ANNOTATION]: spec.name,
    [REVISION_ANNOTATION]: String(revision),
    [READINESS_TIMEOUT_ANNOTATION]: String(spec.readinessTimeoutMs),
    ...(port === null ? {} : { [PORT_ANNOTATION]: String(port) }),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: spec.environment,
      labels,
      annotations: {
        ...annotations,
        [TEMPLATE_HASH_ANNOTATION]: hash,
        [REPLICAS_ANNOTATION]: String(spec.replicas),
        [STOPPED_ANNOTATION]: String(stopped),
      },
      ...(previous?.metadata?.resourceVersion === undefined
        ? {}
        : { resourceVersion: previous.metadata.resourceVersion }),
    },
    spec: {
      replicas: stopped ? 0 : spec.replicas,
      selector: { matchLabels: { [WORKLOAD_LABEL]: name } },
      // One new pod at a time, each ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations },
        spec: {
          containers: [container],
          terminationGracePeriodSeconds: gracePeriod,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
        },
      },
    },
  };
}

/** The Deployment with `replicas` running (or none, stopped), keeping the count for a restart. */
export function withReplicas(
  deployment: V1Deployment,
  replicas: number,
  stopped: boolean,
): V1Deployment {
  const changed = structuredClone(deployment);
  changed.metadata = changed.metadata ?? {};
  changed.metadata.annotations = {
    ...changed.metadata.annotations,
    [REPLICAS_ANNOTATION]: String(replicas),
    [STOPPED_ANNOTATION]: String(stopped),
  };
  if (changed.spec !== undefined) changed.spec.replicas = stopped ? 0 : replicas;
  return changed;
}
