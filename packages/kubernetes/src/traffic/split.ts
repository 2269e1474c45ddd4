/** What every cluster traffic provider shares: reading a split, and marking what it writes. */
import {
  CANARY_HEADER,
  CodedanceError,
  STICKY_COOKIE,
  type AppRef,
  type TrafficSplit,
} from '@codedance/core';

/** The app an object belongs to (`kubectl get … -l deploy.codedance.io/app=shop`). */
export const APP_LABEL = 'deploy.codedance.io/app';
/** The version a Deployment (and its pods) runs. */
export const VERSION_LABEL = 'deploy.codedance.io/version';

/** Labels on every object a provider writes. */
export function managedLabels(app: AppRef): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'codedance', [APP_LABEL]: app.app };
}

/**
 * Which version each Service stands for, as JSON on the objects a provider writes: the data
 * plane's objects name Services, and `current()` reports versions.
 */
export const VERSIONS_ANNOTATION = 'deploy.codedance.io/versions';

/** One version's share, sent to one Service. */
export interface ServiceRoute {
  version: string;
  weight: number;
  service: string;
  port: number;
}

/** A split the provider cannot carry out, said plainly. */
export function unsupported(provider: string, message: string): CodedanceError {
  return new CodedanceError('CD_TRAFFIC_UNSUPPORTED', {
    message: `The ${provider} traffic provider cannot ${message}`,
    details: { provider },
  });
}

/** The split's versions as Services; every version needs one. */
export function serviceRoutes(provider: string, split: TrafficSplit): ServiceRoute[] {
  return split.versions.map((route) => {
    if (route.target.kind !== 'service') {
      throw unsupported(
        provider,
        `send traffic to addresses: version ${route.version} needs a Service of its own.`,
      );
    }
    return {
      version: route.version,
      weight: route.weight,
      service: route.target.name,
      port: route.target.port,
    };
  });
}

/**
 * A rule that sends matching requests to one version before the weights apply: the x-canary
 * header pins to the canary or to stable (header routing), a version's cookie keeps a client on
 * it (sticky splits, for every version that still takes traffic).
 */
export interface Pin {
  /** `canary-always`, `canary-never`, `sticky-<version>`. */
  name: string;
  /** A request header (lower case) and its exact value, or a regular expression for the value. */
  header: { name: string; exact: string } | { name: string; regex: string };
  route: ServiceRoute;
}

/** The pins a split asks for, header pins first: a header outranks a cookie. */
export function pins(split: TrafficSplit, routes: readonly ServiceRoute[]): Pin[] {
  const result: Pin[] = [];
  const stable = routes.find((r) => r.version === split.stable);
  const canary = routes.find((r) => r.version === split.canary);
  if (split.headerRouting && canary !== undefined && stable !== undefined) {
    result.push(
      { name: 'canary-always', header: { name: CANARY_HEADER, exact: 'always' }, route: canary },
      { name: 'canary-never', header: { name: CANARY_HEADER, exact: 'never' }, route: stable },
    );
  }
  if (split.sticky) {
    for (const route of routes.filter((r) => r.weight > 0)) {
      result.push({
        name: `sticky-${route.version}`,
        header: { name: 'cookie', regex: stickyCookiePattern(route.version) },
        route,
      });
    }
  }
  return result;
}

/**
 * What a data plane object gives each version: its (Service, weight) pairs added up by version,
 * as percentages, the versions read from the object's annotations.
 */
export function weightsByVersion(
  backends: Iterable<{ service: string; weight: number }>,
  annotations: Record<string, string> | undefined,
): Record<string, number> {
  const versions = versionsByService(annotations);
  const weights = new Map<string, number>();
  for (const { service, weight } of backends) {
    const version = versions.get(service) ?? service;
    weights.set(version, (weights.get(version) ?? 0) + weight);
  }
  return percentages(weights);
}

/** The annotation's value: Service → version. */
export function versionsAnnotation(routes: readonly ServiceRoute[]): string {
  return JSON.stringify(Object.fromEntries(routes.map((r) => [r.service, r.version])));
}

/** Service → version from an object's annotations; empty when they are missing or unreadable. */
function versionsByService(annotations: Record<string, string> | undefined): Map<string, string> {
  try {
    const parsed = JSON.parse(annotations?.[VERSIONS_ANNOTATION] ?? '{}') as unknown;
    if (parsed === null || typeof parsed !== 'object') return new Map();
    return new Map(
      Object.entries(parsed).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  } catch {
    return new Map();
  }
}

/**
 * Relative weights as percentages (two decimals): what the data plane gives each version when
 * someone has written weights that do not add up to 100.
 */
export function percentages(weights: ReadonlyMap<string, number>): Record<string, number> {
  let total = 0;
  for (const weight of weights.values()) total += weight;
  const result: Record<string, number> = {};
  for (const [version, weight] of weights) {
    result[version] = total === 0 ? 0 : Math.round((weight / total) * 10_000) / 100;
  }
  return result;
}

/** The `Set-Cookie` value that keeps a client on `version`, as the built-in router sets it. */
export function stickyCookie(version: string): string {
  return `${STICKY_COOKIE}=${version}; Path=/; HttpOnly; SameSite=Lax`;
}

/** A regular expression (RE2, matched against the whole Cookie header) for a client on `version`. */
function stickyCookiePattern(version: string): string {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^(.*;\\s*)?${STICKY_COOKIE}=${escaped}(;.*)?$`;
}
