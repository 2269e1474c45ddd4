/**
 * The CanaryDeployment controller: while it leads, it passes over every resource when it changes
 * and at least every `resyncMs` (steps and analysis move with time), one pass per resource at a
 * time. Its state is the resources' status: a controller started again carries on from there.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  CustomObjectsApi,
  makeInformer,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { MetricsSource, TrafficRouter } from '@codedance/core';
import {
  CANARY_GROUP,
  CANARY_PLURAL,
  CANARY_VERSION,
  type CanaryDeployment,
} from '../canary/index.js';
import { PrometheusMetricsSource } from '../metrics/index.js';
import { RouterPlane } from '../router/index.js';
import { ReplicasTrafficRouter } from '../traffic/index.js';
import { LeaseElector } from './leader.js';
import { CanaryReconciler, StaleWrite } from './reconcile.js';

export interface CanaryControllerOptions {
  kubeconfig: KubeConfig;
  /** The built-in router's image, for the `router` provider. */
  routerImage?: string;
  /** Prometheus to judge by instead of the built-in router's counts. */
  prometheusUrl?: string;
  /** Where the leader Lease lives; `codedance-system` by default. */
  leaseNamespace?: string;
  leaseName?: string;
  leaseDurationMs?: number;
  /** Written in the Lease; `<hostname>-<random>` by default. */
  identity?: string;
  resyncMs?: number;
  clock?: () => number;
  log?: (line: string) => void;
}

/** Reconciles every CanaryDeployment of the cluster while it holds the leader Lease. */
export class CanaryController {
  readonly #options: CanaryControllerOptions;
  readonly #elector: LeaseElector;
  readonly #reconciler: CanaryReconciler;
  readonly #log: (line: string) => void;
  readonly #queued = new Set<string>();
  readonly #router: RouterPlane;
  readonly #replicas: ReplicasTrafficRouter;
  readonly #prometheus: PrometheusMetricsSource | null;
  #informer: ReturnType<typeof makeInformer<KubernetesObject>> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #working = false;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: CanaryControllerOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => undefined);
    const clock = options.clock ?? (() => Date.now());
    const identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
    this.#elector = new LeaseElector({
      kubeconfig: options.kubeconfig,
      namespace: options.leaseNamespace ?? 'codedance-system',
      name: options.leaseName ?? 'codedance-controller',
      identity,
      clock,
      ...(options.leaseDurationMs === undefined ? {} : { durationMs: options.leaseDurationMs }),
      onChange: (leading) => {
        this.#log(leading ? `${identity} leads` : `${identity} does not lead`);
        if (leading) this.#enqueueAll();
      },
    });
    this.#router = new RouterPlane({
      kubeconfig: options.kubeconfig,
      image: options.routerImage ?? 'codedance/codedance-router:0.1.0',
    });
    this.#replicas = new ReplicasTrafficRouter(options.kubeconfig);
    this.#prometheus =
      options.prometheusUrl === undefined
        ? null
        : new PrometheusMetricsSource({ url: options.prometheusUrl });
    this.#reconciler = new CanaryReconciler({
      kubeconfig: options.kubeconfig,
      traffic: (cr) => this.#trafficOf(cr),
      metrics: () => this.#prometheus ?? this.#router,
      clock,
      mayAct: () => this.#elector.leading && !this.#stopped,
      log: this.#log,
    });
  }

  get leading(): boolean {
    return this.#elector.leading;
  }

  #trafficOf(cr: CanaryDeployment): TrafficRouter & Partial<Pick<RouterPlane, 'ensure'>> {
    const provider = cr.spec.traffic?.provider ?? 'router';
    if (provider === 'router') return this.#router;
    if (provider === 'replicas') return this.#replicas;
    throw new Error(`the ${provider} provider is not run by the controller yet: use router`);
  }

  /** Metrics for a resource: Prometheus when configured, else its router's counts. */
  metricsSource(): MetricsSource {
    return this.#prometheus ?? this.#router;
  }

  async start(): Promise<void> {
    this.#elector.start();
    const custom = this.#options.kubeconfig.makeApiClient(CustomObjectsApi);
    const path = `/apis/${CANARY_GROUP}/${CANARY_VERSION}/${CANARY_PLURAL}`;
    const informer = makeInformer<KubernetesObject>(
      this.#options.kubeconfig,
      path,
      async () =>
        (await custom.listClusterCustomObject({
          group: CANARY_GROUP,
          version: CANARY_VERSION,
          plural: CANARY_PLURAL,
        })) as never,
    );
    const seen = (object: KubernetesObject) => {
      this.#enqueue(`${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`);
    };
    informer.on('add', seen);
    informer.on('update', seen);
    informer.on('error', (error: unknown) => {
      if (this.#stopped) return;
      this.#log(`watch of CanaryDeployments failed (${String(error)}); again in 1 s`);
      setTimeout(() => {
        if (!this.#stopped) informer.start().catch(() => undefined);
      }, 1_000).unref();
    });
    this.#informer = informer;
    await informer.start();
    const resync = () => {
      if (this.#stopped) return;
      this.#enqueueAll();
      this.#timer = setTimeout(resync, this.#options.resyncMs ?? 1_000);
    };
    resync();
  }

  /** Stops watching and acting, lets the current pass end, and gives the Lease up. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#informer?.stop();
    await this.#idle;
    await this.#elector.stop();
  }

  #enqueueAll(): void {
    for (const object of this.#informer?.list() ?? []) {
      this.#enqueue(`${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`);
    }
  }

  #enqueue(key: string): void {
    this.#queued.add(key);
    if (this.#working) return;
    this.#working = true;
    this.#idle = this.#drain().finally(() => {
      this.#working = false;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queued.size > 0 && !this.#stopped) {
      const [key] = this.#queued;
      if (key === undefined) return;
      this.#queued.delete(key);
      if (!this.#elector.leading) continue;
      const [namespace = '', name = ''] = key.split('/');
      try {
        await this.#reconciler.reconcile(namespace, name);
      } catch (error) {
        if (!(error instanceof StaleWrite)) this.#log(`${key}: ${String(error)}`);
      }
    }
  }
}
