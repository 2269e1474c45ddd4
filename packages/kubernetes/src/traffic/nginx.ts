/**
 * ingress-nginx canaries: the app's Ingress (named after the app) sends its traffic to the
 * stable version's Service, and while a release runs a second Ingress (`<app>-canary`) marked
 * `nginx.ingress.kubernetes.io/canary: "true"` takes the canary's weight. ingress-nginx honours
 * `x-canary: always | never` by itself (canary-by-header), and keeps clients on their side with
 * its cookie affinity. It splits between two versions only.
 */
import type { KubeConfig, V1Ingress } from '@kubernetes/client-node';
import {
  CANARY_HEADER,
  type AppliedSplit,
  type AppRef,
  type TrafficRouter,
  type TrafficSplit,
} from '@codedance/core';
import { appliedAt, ClusterObjects, type ObjectRef } from './cluster-objects.js';
import {
  managedLabels,
  serviceRoutes,
  unsupported,
  versionsAnnotation,
  VERSIONS_ANNOTATION,
  weightsByVersion,
  type ServiceRoute,
} from './split.js';

const NGINX = 'nginx.ingress.kubernetes.io';
/** The cookie ingress-nginx pins a client with when the split is sticky. */
export const NGINX_AFFINITY_COOKIE = 'cd_affinity';

/** The app's entry point on ingress-nginx. */
export interface NginxSettings {
  host?: string;
  /** The path prefix the Ingresses take (`/` by default). */
  path?: string;
  ingressClassName?: string;
  /** A TLS Secret for `host`. */
  tlsSecretName?: string;
}

type Named = V1Ingress & { metadata: { name: string; namespace: string } };

function ingressRef(app: AppRef, canary: boolean): ObjectRef {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: app.environment,
    name: canary ? `${app.app}-canary` : app.app,
  };
}

/** Carries a split with an Ingress and, during a release, its canary Ingress. */
export class NginxTrafficRouter implements TrafficRouter {
  readonly name = 'nginx';
  readonly #objects: ClusterObjects;
  readonly #settings: NginxSettings;

  constructor(kubeconfig: KubeConfig, settings: NginxSettings = {}) {
    this.#objects = new ClusterObjects(kubeconfig);
    this.#settings = settings;
  }

  /** Stable and canary sides of a split; throws when it has more than two. */
  #sides(split: TrafficSplit): {
    stable: ServiceRoute;
    canary: ServiceRoute | null;
    all: ServiceRoute[];
  } {
    const all = serviceRoutes(this.name, split);
    const stable = all.find((route) => route.version === split.stable);
    if (stable === undefined) {
      throw unsupported(
        this.name,
        `route without a stable version (${split.stable} is not in the split).`,
      );
    }
    const others = all.filter(
      (route) => route !== stable && (route.weight > 0 || route.version === split.canary),
    );
    if (others.length > 1) {
      throw unsupported(
        this.name,
        `split traffic between ${others.length + 1} versions: an Ingress and its canary carry two.`,
      );
    }
    return { stable, canary: others[0] ?? null, all };
  }

  #ingress(
    app: AppRef,
    route: ServiceRoute,
    canary: boolean,
    annotations: Record<string, string>,
  ): Named {
    const ref = ingressRef(app, canary);
    const { host, tlsSecretName, ingressClassName } = this.#settings;
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: {
        name: ref.name,
        namespace: ref.namespace,
        labels: managedLabels(app),
        annotations,
      },
      spec: {
        ...(ingressClassName === undefined ? {} : { ingressClassName }),
        ...(tlsSecretName === undefined
          ? {}
          : {
              tls: [
                { ...(host === undefined ? {} : { hosts: [host] }), secretName: tlsSecretName },
              ],
            }),
        rules: [
          {
            ...(host === undefined ? {} : { host }),
            http: {
              paths: [
                {
                  path: this.#settings.path ?? '/',
                  pathType: 'Prefix',
                  backend: { service: { name: route.service, port: { number: route.port } } },
                },
              ],
            },
          },
        ],
      },
    };
  }

  /** The Ingresses a split becomes: the app's, and the canary's while a release runs. */
  ingresses(app: AppRef, split: TrafficSplit): { main: Named; canary: Named | null } {
    const { stable, canary, all } = this.#sides(split);
    const versions = { [VERSIONS_ANNOTATION]: versionsAnnotation(all) };
    const affinity: Record<string, string> = split.sticky
      ? { [`${NGINX}/affinity`]: 'cookie', [`${NGINX}/session-cookie-name`]: NGINX_AFFINITY_COOKIE }
      : {};
    const main = this.#ingress(app, stable, false, { ...versions, ...affinity });
    if (canary === null) return { main, canary: null };
    return {
      main,
      canary: this.#ingress(app, canary, true, {
        ...versions,
        ...affinity,
        [`${NGINX}/canary`]: 'true',
        [`${NGINX}/canary-weight`]: String(canary.weight),
        ...(split.headerRouting ? { [`${NGINX}/canary-by-header`]: CANARY_HEADER } : {}),
        ...(split.sticky ? { [`${NGINX}/affinity-canary-behavior`]: 'sticky' } : {}),
      }),
    };
  }

  async apply(app: AppRef, split: TrafficSplit): Promise<void> {
    const { main, canary } = this.ingresses(app, split);
    // The app's Ingress first: a canary Ingress never exists without the one it refines.
    await this.#objects.apply(main);
    if (canary === null) await this.#objects.delete(ingressRef(app, true));
    else await this.#objects.apply(canary);
  }

  async current(app: AppRef): Promise<AppliedSplit | null> {
    const main = await this.#objects.read<V1Ingress>(ingressRef(app, false));
    if (main === null) return null;
    const canary = await this.#objects.read<V1Ingress>(ingressRef(app, true));
    const service = (ingress: V1Ingress) =>
      ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name ?? '';
    const weight = Number(canary?.metadata?.annotations?.[`${NGINX}/canary-weight`] ?? 0);
    const share = Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 100) : 0;
    const backends = [{ service: service(main), weight: 100 - share }];
    if (canary !== null) backends.push({ service: service(canary), weight: share });
    const times = [appliedAt(main), canary === null ? null : appliedAt(canary)].filter(
      (t): t is number => t !== null,
    );
    return {
      weights: weightsByVersion(backends, main.metadata?.annotations),
      appliedAt: times.length === 0 ? null : Math.max(...times),
    };
  }

  async remove(app: AppRef): Promise<void> {
    await this.#objects.delete(ingressRef(app, true));
    await this.#objects.delete(ingressRef(app, false));
  }
}
