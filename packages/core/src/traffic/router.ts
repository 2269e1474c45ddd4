/**
 * How a release moves traffic, whatever does the moving: the built-in router on one host, or
 * a Gateway API route, an NGINX ingress, an Istio virtual service or a replica ratio on a
 * cluster. The release decides the split; a `TrafficRouter` makes the data plane carry it out
 * and says what the data plane has in force, so the two can be compared.
 */

/** The request header that pins a request to one side: `always` (the canary) or `never` (stable). */
export const CANARY_HEADER = 'x-canary';

/**
 * The cookie that keeps a client on the version it first got (`cd_version=<version>`), set on
 * the first answer when a split is sticky. The built-in router and the cluster providers that
 * can match cookies use the same name, so a client keeps its side across a change of provider.
 */
export const STICKY_COOKIE = 'cd_version';

/** Where one version's traffic goes. */
export type VersionTarget =
  /** Addresses of the version's ready instances (the built-in router). */
  | { kind: 'endpoints'; endpoints: readonly { host: string; port: number }[] }
  /** A Kubernetes Service in the app's namespace (mesh, gateway and ingress providers). */
  | { kind: 'service'; name: string; port: number };

/** One version's share of the traffic. */
export interface VersionRoute {
  version: string;
  /** Percent of requests, 0..100; the weights of a split add up to 100. */
  weight: number;
  target: VersionTarget;
}

/** The traffic an app's entry point should carry. */
export interface TrafficSplit {
  versions: readonly VersionRoute[];
  /** The version that serves when nothing else applies, and that `never` pins to. */
  stable: string;
  /** The version under test, which `always` pins to; null outside a release. */
  canary: string | null;
  /** Honour a request header (`x-canary: always | never`) that pins a request to one side. */
  headerRouting: boolean;
  /** Keep each client on the version it first got, by cookie. */
  sticky: boolean;
}

/** Which app's entry point: the environment (local) or namespace (Kubernetes), and the app. */
export interface AppRef {
  environment: string;
  app: string;
  /** The public port of the entry point, where the data plane listens for the app. */
  port?: number;
}

/** What the data plane has in force now: the weights per version, as it reports them. */
export interface AppliedSplit {
  weights: Record<string, number>;
  /** When the data plane took this split (epoch ms), when it can tell. */
  appliedAt: number | null;
  /** The whole split it serves (targets, pinned versions, options), when it can tell. */
  split?: TrafficSplit;
  /** Who serves it, for the release's record (`pid 4242`), when it can tell. */
  servedBy?: string;
}

/** A data plane that carries a split: the built-in router, Gateway API, NGINX, Istio, replicas. */
export interface TrafficRouter {
  /** A short name shown in the release record (`builtin`, `gateway-api`, `nginx`, `istio`, `replicas`). */
  readonly name: string;
  /** Makes the data plane carry `split`; resolves once it has taken it. Idempotent. */
  apply(app: AppRef, split: TrafficSplit): Promise<void>;
  /** What the data plane has in force, or null when it has nothing for this app. */
  current(app: AppRef): Promise<AppliedSplit | null>;
  /** Takes the app's entry point down (the app was deleted). Idempotent. */
  remove(app: AppRef): Promise<void>;
  /**
   * Makes the app's entry point exist before any split is applied (the built-in router starts
   * its process); rejects when it cannot. Idempotent; absent where there is nothing to start.
   */
  open?(app: AppRef): Promise<void>;
  /** What the data plane says of the entry point, for people; null when nothing answers. */
  status?(app: AppRef): Promise<Readonly<Record<string, unknown>> | null>;
  /**
   * Takes down every entry point this router finds of an app not in `keep`: those left by a
   * control plane that stopped while it deleted their app. Answers how many it took down.
   */
  retain?(keep: readonly AppRef[]): Promise<number>;
  /**
   * Stops the entry point's processes but keeps what it serves, so `open` brings it back as it
   * was (`codedance kill`). Absent where nothing runs on this host.
   */
  halt?(app: AppRef): Promise<void>;
}

/** The weights of a split as a record, for comparing with what a data plane reports. */
export function splitWeights(split: TrafficSplit): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const route of split.versions) weights[route.version] = route.weight;
  return weights;
}

/** True when two weight records give every version the same share (absent counts as 0). */
export function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const versions = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const version of versions) if ((a[version] ?? 0) !== (b[version] ?? 0)) return false;
  return true;
}
