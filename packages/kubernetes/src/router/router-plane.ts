/**
 * Codedance's own router as a cluster's data plane: a Deployment `<app>-router` beside the app,
 * listening on 8080 for traffic and on 8081 (the pod's address) for its control API. The
 * controller tells every ready router pod the table, and reads back the table and the counts.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Deployment,
  type V1OwnerReference,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  mergeHistograms,
  splitOfTable,
  splitWeights,
  tableOfSplit,
  type AppliedSplit,
  type AppRef,
  type MetricsAnswer,
  type MetricsQuery,
  type MetricsSource,
  type TrafficRouter,
  type TrafficSplit,
  type VersionMetrics,
} from '@codedance/core';
import { LATENCY_BOUNDS_MS, RouterClient, type RoutesState } from '@codedance/router';

/** Marks an app's router pods: `deploy.codedance.io/router: <app>`. */
export const ROUTER_LABEL = 'deploy.codedance.io/router';
export const ROUTER_TRAFFIC_PORT = 8080;
export const ROUTER_CONTROL_PORT = 8081;

export interface RouterPlaneOptions {
  kubeconfig: KubeConfig;
  /** The router's image (`codedance-router` as its entrypoint). */
  image: string;
  /** Router pods per app; 1 by default. */
  replicas?: number;
  /** How long a control call may take. */
  timeoutMs?: number;
}

/** The name of an app's router Deployment. */
export function routerName(app: string): string {
  return `${app}-router`.slice(0, 63);
}

const NONE: readonly number[] = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);

function ready(pod: V1Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp == null &&
    pod.status?.podIP !== undefined &&
    pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}

/** The in-cluster built-in router: a {@link TrafficRouter} and the matching {@link MetricsSource}. */
export class RouterPlane implements TrafficRouter, MetricsSource {
  readonly name = 'router';
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #options: RouterPlaneOptions;

  constructor(options: RouterPlaneOptions) {
    this.#options = options;
    this.#apps = options.kubeconfig.makeApiClient(AppsV1Api);
    this.#core = options.kubeconfig.makeApiClient(CoreV1Api);
  }

  /**
   * Makes the app's router Deployment exist, owned by `owner` (the app's Deployment: the router
   * goes with the app). Resolves at once; `current` answers null until a router pod is ready.
   */
  async ensure(app: AppRef, owner: V1OwnerReference | null): Promise<void> {
    const name = routerName(app.app);
    const labels = { [ROUTER_LABEL]: app.app, 'app.kubernetes.io/managed-by': 'codedance' };
    const body: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace: app.environment,
        labels,
        ...(owner === null ? {} : { ownerReferences: [owner] }),
      },
      spec: {
        replicas: this.#options.replicas ?? 1,
        selector: { matchLabels: { [ROUTER_LABEL]: app.app } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            containers: [
              {
                name: 'router',
                image: this.#options.image,
                args: [
                  `--listen=0.0.0.0:${ROUTER_TRAFFIC_PORT}`,
                  `--control=$(POD_IP):${ROUTER_CONTROL_PORT}`,
                  '--workers=1',
                ],
                env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
                ports: [
                  { name: 'http', containerPort: ROUTER_TRAFFIC_PORT },
                  { name: 'control', containerPort: ROUTER_CONTROL_PORT },
                ],
                readinessProbe: { tcpSocket: { port: ROUTER_CONTROL_PORT }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
    try {
      await this.#apps.createNamespacedDeployment({ namespace: app.environment, body });
    } catch (error) {
      if (!(error instanceof ApiException && (error as ApiException<unknown>).code === 409)) {
        throw error;
      }
    }
  }

  /** Makes the router exist and resolves once a router pod is ready (a minute at most). */
  async open(app: AppRef): Promise<void> {
    await this.ensure(app, null);
    const deadline = Date.now() + 60_000;
    while ((await this.pods(app)).length === 0) {
      if (Date.now() > deadline) {
        throw new Error(`no router pod of ${app.environment}/${app.app} became ready in 60 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The app's ready router pods, by name. */
  async pods(app: AppRef): Promise<V1Pod[]> {
    const list = await this.#core.listNamespacedPod({
      namespace: app.environment,
      labelSelector: `${ROUTER_LABEL}=${app.app}`,
    });
    return list.items
      .filter(ready)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  #client(pod: V1Pod): RouterClient {
    return new RouterClient(
      { host: pod.status?.podIP ?? '', port: ROUTER_CONTROL_PORT },
      { timeoutMs: this.#options.timeoutMs ?? 5_000 },
    );
  }

  async apply(app: AppRef, split: TrafficSplit): Promise<void> {
    const pods = await this.pods(app);
    if (pods.length === 0)
      throw new Error(`no router pod of ${app.environment}/${app.app} is ready`);
    await Promise.all(pods.map((pod) => this.#client(pod).setRoutes(tableOfSplit(split))));
  }

  /**
   * The table in force. Where router pods disagree (one restarted on an empty table), the one
   * with the oldest table answers, so the release sets them all again.
   */
  async current(app: AppRef): Promise<AppliedSplit | null> {
    const pods = await this.pods(app);
    let oldest: { routes: RoutesState; pod: V1Pod } | null = null;
    for (const pod of pods) {
      const routes = await this.#client(pod)
        .getRoutes()
        .catch(() => null);
      if (routes === null) return null;
      if (oldest === null || routes.revision < oldest.routes.revision) oldest = { routes, pod };
    }
    if (oldest === null) return null;
    const split = splitOfTable(oldest.routes.table);
    return {
      weights: splitWeights(split),
      appliedAt: null,
      split,
      servedBy: `pod ${oldest.pod.metadata?.name ?? ''}`,
    };
  }

  async remove(app: AppRef): Promise<void> {
    await this.#apps
      .deleteNamespacedDeployment({ name: routerName(app.app), namespace: app.environment })
      .catch((error: unknown) => {
        if (!(error instanceof ApiException && (error as ApiException<unknown>).code === 404)) {
          throw error;
        }
      });
  }

  /** What every router pod counted per version over the interval, added up. */
  async query(query: MetricsQuery): Promise<MetricsAnswer> {
    const app = { environment: query.environment, app: query.app };
    const pods = await this.pods(app);
    if (pods.length === 0)
      throw new Error(`no router pod of ${query.environment}/${query.app} answers`);
    const windows = await Promise.all(
      pods.map((pod) => this.#client(pod).stats({ from: query.from, to: query.to })),
    );
    const versions: Record<string, VersionMetrics> = {};
    for (const version of query.versions) {
      const parts = windows.flatMap((w) => {
        const v = w.versions[version];
        return v === undefined ? [] : [v];
      });
      versions[version] = {
        requests: parts.reduce((n, p) => n + p.requests, 0),
        errors: parts.reduce((n, p) => n + p.status['5xx'], 0),
        latency:
          parts.length === 0
            ? { bounds: LATENCY_BOUNDS_MS, counts: NONE, sumMs: 0 }
            : mergeHistograms(
                parts.map((p) => ({
                  bounds: p.histogram.bounds,
                  counts: p.histogram.counts,
                  sumMs: p.histogram.sumMs,
                })),
              ),
      };
    }
    const from = Math.max(...windows.map((w) => w.from));
    const to = Math.min(...windows.map((w) => w.to));
    return { from, to, versions };
  }
}
