/**
 * Istio: one VirtualService per app (`networking.istio.io/v1beta1`, named after the app) whose
 * last HTTP route sends each version's weight to its Service. Header routing adds routes that
 * match `x-canary: always | never`; stickiness adds a route per version matching its cookie and
 * has the weighted destinations set that cookie. Istio tries routes in order, so those come
 * first.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { TrafficSplit } from '@codedance/core';
import { OneObjectTrafficRouter, type SpecObject } from './one-object.js';
import { pins, stickyCookie, type ServiceRoute } from './split.js';

export const VIRTUAL_SERVICE_API_VERSION = 'networking.istio.io/v1beta1';

/** What the app's VirtualService answers to. */
export interface IstioSettings {
  /** The hosts clients address (a Service name inside the mesh, or a host name at a gateway). */
  hosts: readonly string[];
  /** Gateways to bind to; left out, the route applies to sidecars in the mesh. */
  gateways?: readonly string[];
}

interface Destination {
  destination: { host: string; port: { number: number } };
  weight?: number;
  headers?: { response: { add: Record<string, string> } };
}

interface HttpRoute {
  name: string;
  match?: { headers: Record<string, { exact: string } | { regex: string }> }[];
  route: Destination[];
}

export interface VirtualServiceSpec {
  hosts: string[];
  gateways?: string[];
  http?: HttpRoute[];
}

/** A VirtualService as the provider writes and reads it. */
export type VirtualService = SpecObject<VirtualServiceSpec>;

const WEIGHTED = 'weighted';

function routes(split: TrafficSplit, services: ServiceRoute[]): HttpRoute[] {
  const to = (route: ServiceRoute): Destination => ({
    destination: { host: route.service, port: { number: route.port } },
  });
  const pinned = pins(split, services).map(({ name, header, route }): HttpRoute => ({
    name,
    match: [
      {
        headers: {
          [header.name]: 'exact' in header ? { exact: header.exact } : { regex: header.regex },
        },
      },
    ],
    route: [to(route)],
  }));
  const weighted: HttpRoute = {
    name: WEIGHTED,
    route: services.map((route) => ({
      ...to(route),
      weight: route.weight,
      ...(split.sticky
        ? { headers: { response: { add: { 'set-cookie': stickyCookie(route.version) } } } }
        : {}),
    })),
  };
  return [...pinned, weighted];
}

/** Carries a split as an Istio VirtualService. */
export class IstioTrafficRouter extends OneObjectTrafficRouter<VirtualServiceSpec> {
  readonly name = 'istio';
  protected readonly apiVersion = VIRTUAL_SERVICE_API_VERSION;
  protected readonly kind = 'VirtualService';
  readonly #settings: IstioSettings;

  constructor(kubeconfig: KubeConfig, settings: IstioSettings) {
    super(kubeconfig);
    this.#settings = settings;
  }

  protected spec(split: TrafficSplit, services: ServiceRoute[]): VirtualServiceSpec {
    const { hosts, gateways } = this.#settings;
    return {
      hosts: [...hosts],
      ...(gateways === undefined ? {} : { gateways: [...gateways] }),
      http: routes(split, services),
    };
  }

  protected backends(service: VirtualService): { service: string; weight: number }[] {
    const weighted = (service.spec.http ?? []).find((route) => route.match === undefined);
    // A single destination without a weight takes everything.
    return (weighted?.route ?? []).map(({ destination, weight }) => ({
      service: destination.host,
      weight: weight ?? 100,
    }));
  }
}
