/**
 * Gateway API: one HTTPRoute per app (`gateway.networking.k8s.io/v1`, named after the app) whose
 * weighted rule sends each version's share to its Service. Header routing adds rules that match
 * `x-canary: always | never`; stickiness adds a rule per version matching its cookie and has the
 * weighted rule set that cookie (a ResponseHeaderModifier on each backend). Gateway API ranks
 * rules with more header matches first, so pinned and sticky requests never reach the weights.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { TrafficSplit } from '@codedance/core';
import { OneObjectTrafficRouter, type SpecObject } from './one-object.js';
import { pins, stickyCookie, type ServiceRoute } from './split.js';

export const HTTP_ROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';

/** Where the app's HTTPRoute attaches and what it answers to. */
export interface GatewayApiSettings {
  /** The Gateways (or their listeners) the route attaches to. */
  parentRefs: readonly { name: string; namespace?: string; sectionName?: string }[];
  hostnames?: readonly string[];
  /** The path prefix the route takes (`/` by default). */
  path?: string;
}

interface BackendRef {
  name: string;
  port: number;
  weight?: number;
  filters?: unknown[];
}

interface HttpRouteRule {
  matches: {
    path: { type: 'PathPrefix'; value: string };
    headers?: { type: 'Exact' | 'RegularExpression'; name: string; value: string }[];
  }[];
  backendRefs: BackendRef[];
}

export interface HttpRouteSpec {
  parentRefs: GatewayApiSettings['parentRefs'];
  hostnames?: string[];
  rules?: HttpRouteRule[];
}

/** An HTTPRoute as the provider writes and reads it. */
export type HttpRoute = SpecObject<HttpRouteSpec>;

/** The rules for a split, most specific first (Gateway API ranks them so anyway). */
function rules(split: TrafficSplit, routes: ServiceRoute[], path: string): HttpRouteRule[] {
  const at = { type: 'PathPrefix', value: path } as const;
  const backend = (route: ServiceRoute): BackendRef => ({ name: route.service, port: route.port });
  const pinned = pins(split, routes).map(({ header, route }): HttpRouteRule => ({
    matches: [
      {
        path: at,
        headers: [
          'exact' in header
            ? { type: 'Exact', name: header.name, value: header.exact }
            : { type: 'RegularExpression', name: header.name, value: header.regex },
        ],
      },
    ],
    backendRefs: [backend(route)],
  }));
  const weighted: HttpRouteRule = {
    matches: [{ path: at }],
    backendRefs: routes.map((route) => ({
      ...backend(route),
      weight: route.weight,
      ...(split.sticky
        ? {
            filters: [
              {
                type: 'ResponseHeaderModifier',
                responseHeaderModifier: {
                  add: [{ name: 'Set-Cookie', value: stickyCookie(route.version) }],
                },
              },
            ],
          }
        : {}),
    })),
  };
  return [...pinned, weighted];
}

/** Carries a split as a Gateway API HTTPRoute. */
export class GatewayApiTrafficRouter extends OneObjectTrafficRouter<HttpRouteSpec> {
  readonly name = 'gateway-api';
  protected readonly apiVersion = HTTP_ROUTE_API_VERSION;
  protected readonly kind = 'HTTPRoute';
  readonly #settings: GatewayApiSettings;

  constructor(kubeconfig: KubeConfig, settings: GatewayApiSettings) {
    super(kubeconfig);
    this.#settings = settings;
  }

  protected spec(split: TrafficSplit, routes: ServiceRoute[]): HttpRouteSpec {
    const { parentRefs, hostnames, path } = this.#settings;
    return {
      parentRefs: parentRefs.map((parent) => ({ ...parent })),
      ...(hostnames === undefined ? {} : { hostnames: [...hostnames] }),
      rules: rules(split, routes, path ?? '/'),
    };
  }

  protected backends(route: HttpRoute): { service: string; weight: number }[] {
    // The weighted rule is the one that matches on the path alone.
    const weighted = (route.spec.rules ?? []).find((rule) =>
      rule.matches.every((match) => (match.headers ?? []).length === 0),
    );
    return (weighted?.backendRefs ?? []).map((ref) => ({
      service: ref.name,
      weight: ref.weight ?? 1,
    }));
  }
}
