import {
  splitOfTable,
  splitWeights,
  tableOfSplit,
  type AppRef,
  type AppliedSplit,
  type TrafficRouter,
  type TrafficSplit,
} from '@codedance/core';
import { appKey } from '../book.js';
import type { RouterFleet, RouterHandle } from './fleet.js';

/** The key of an app's router: its environment and name. */
export function routerKey(app: AppRef): string {
  return appKey(app.environment, app.app);
}

function portOf(app: AppRef): number {
  if (app.port === undefined) {
    throw new Error(`the built-in router of ${routerKey(app)} needs the app's public port`);
  }
  return app.port;
}

/**
 * The built-in router as a {@link TrafficRouter}: one router process group per app, listening
 * on the app's public port, driven over its control socket. A router that stops answering is
 * found again, or started again on the table it last persisted, the next time it is asked.
 */
export class BuiltinTrafficRouter implements TrafficRouter {
  readonly name = 'builtin';

  constructor(private readonly fleet: RouterFleet) {}

  /** The app's router as this server knows it, started (or adopted) when it does not. */
  private async handle(app: AppRef): Promise<RouterHandle> {
    return this.fleet.get(routerKey(app)) ?? this.fleet.ensure(routerKey(app), portOf(app));
  }

  async open(app: AppRef): Promise<void> {
    await this.fleet.ensure(routerKey(app), portOf(app));
  }

  async apply(app: AppRef, split: TrafficSplit): Promise<void> {
    const router = await this.handle(app);
    await router.client.setRoutes(tableOfSplit(split));
  }

  async current(app: AppRef): Promise<AppliedSplit | null> {
    let router = await this.handle(app);
    let routes = await router.client.getRoutes().catch(() => null);
    if (routes === null) {
      // Not answering: found again, or started again on the table it last persisted.
      router = await this.fleet.ensure(routerKey(app), portOf(app));
      routes = await router.client.getRoutes().catch(() => null);
    }
    if (routes === null) return null;
    const split = splitOfTable(routes.table);
    return { weights: splitWeights(split), appliedAt: null, split, servedBy: `pid ${router.pid}` };
  }

  remove(app: AppRef): Promise<void> {
    return this.fleet.stop(routerKey(app));
  }

  halt(app: AppRef): Promise<void> {
    return this.fleet.halt(routerKey(app));
  }

  /** The router's health as it answers now (pid, uptime, table revision). */
  async status(app: AppRef): Promise<Readonly<Record<string, unknown>> | null> {
    const router = this.fleet.get(routerKey(app));
    if (router === undefined) return null;
    const health = await router.client.health().catch(() => null);
    return health === null ? null : { ...health };
  }

  retain(keep: readonly AppRef[]): Promise<number> {
    return this.fleet.stopStrays(new Set(keep.map(routerKey)));
  }
}
