import path from 'node:path';
import type { Logger } from 'pino';
import {
  NotFoundError,
  READY_GRACE_MS,
  isFinal,
  refusal,
  type AppRef,
  type Deployment,
  type DeploymentAction,
  type MetricsSource,
  type TrafficRouter,
  type WorkloadRuntime,
} from '@codedance/core';
import type { EventBus } from '../events/index.js';
import type { StoreGate } from '../store/index.js';
import { applyApp, deleteApp, type AppDeps } from './apps.js';
import { appKey, DeliveryBook, type AppRecord, type DeploymentFilter } from './book.js';
import { stateConflict, type ReconcilerDeps } from './deps.js';
import { BuiltinTrafficRouter, RouterFleet, RouterMetricsSource } from './builtin-router/index.js';
import { notifyWebhook } from './hooks.js';
import { entryOf, Reconciler } from './reconcile.js';
import { checkDeployRequest, planRelease, type DeployRequest } from './release.js';
import { removeSide } from './sides.js';
import { liveMetricsView, liveVersions } from './views.js';

export type { DeployRequest } from './release.js';

export interface DeliveryOptions {
  gate: StoreGate;
  /** Runs the versions: each side is one workload. */
  runtime: WorkloadRuntime;
  bus: EventBus;
  logger: Logger;
  /** Routers keep their sockets, tables and logs under `<dataDir>/routers`. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Epoch ms now: every time the controller reads comes from here. */
  clock: () => number;
  /** How often running releases are looked at; 500 ms by default. */
  tickMs?: number;
  /** Where routers and versions listen; 127.0.0.1 by default. */
  host?: string;
}

/** The part a service plays for the release controller (`GET /api/services` shows it). */
export interface ReleaseRole {
  namespace: string;
  app: string;
  version: string;
  /** `stable`: the live version; `canary`: a release in progress brings it; `previous`: kept warm. */
  role: 'stable' | 'canary' | 'previous';
  /** The release that brings it (canary) or replaced it (previous). */
  deployment: string | null;
}

/** How often routers are checked (and started again when they died) and warm versions retired. */
const ROUTER_CHECK_MS = 2000;

/**
 * Releases versions of apps: a reconcile loop over the deployments in the store. Every step's
 * effect (start a version, set the router's weights, stop a version) is idempotent and every
 * hook is recorded before it runs, so a controller killed at any moment continues from the
 * persisted step on restart and never repeats an action.
 */
export class DeliveryController {
  readonly book: DeliveryBook;
  /** Carries each app's traffic split; the built-in router. */
  readonly traffic: TrafficRouter;
  /** Counts each version's traffic for the judge and the live metrics; the built-in router. */
  readonly metrics: MetricsSource;
  private readonly reconciler: Reconciler;
  private readonly appDeps: AppDeps;
  private readonly locks = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private lastRouterCheck = 0;
  private closed = false;
  private readonly clock: () => number;
  readonly host: string;

  constructor(private readonly options: DeliveryOptions) {
    this.clock = options.clock;
    this.host = options.host ?? '127.0.0.1';
    this.book = new DeliveryBook(() => options.gate.store());
    const fleet = new RouterFleet(
      path.join(options.dataDir, 'routers'),
      options.logger,
      this.host,
      this.clock,
    );
    this.traffic = new BuiltinTrafficRouter(fleet);
    this.metrics = new RouterMetricsSource(fleet);
    const deps: ReconcilerDeps = {
      book: this.book,
      traffic: this.traffic,
      metrics: this.metrics,
      runtime: options.runtime,
      logger: options.logger,
      env: options.env,
      clock: this.clock,
      host: this.host,
    };
    this.reconciler = new Reconciler(deps);
    this.appDeps = { ...deps, locked: (key, work) => this.locked(key, work) };
  }

  /** Loads the book, adopts or restarts every app's router, and starts the loop. */
  async start(): Promise<void> {
    await this.book.load();
    const apps = await this.book.apps();
    await this.traffic.retain?.(apps.map(entryOf));
    await this.reviveRouters(apps);
    // Whatever the previous server left half-done (an asked rollback, a table change) is finished now.
    await this.housekeeping(apps);
    this.timer = setInterval(() => {
      void this.tick();
    }, this.options.tickMs ?? 500);
    this.timer.unref();
    void this.tick();
  }

  /** Stops the loop. Routers and versions keep serving; the next server adopts them. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await Promise.all([...this.locks.values()].map((p) => p.catch(() => undefined)));
  }

  /**
   * Stops the loop and every app's router, keeping their tables (`codedance kill`); the
   * versions are services, which the supervisor stops. The next server starts them again.
   */
  async halt(): Promise<void> {
    await this.close();
    for (const record of await this.book.apps()) {
      await this.traffic.halt?.(entryOf(record)).catch((error: unknown) => {
        this.options.logger.error(
          { err: error, app: appKey(record.spec.namespace, record.spec.name) },
          'stopping the router of an app failed',
        );
      });
    }
  }

  /**
   * The services this controller runs, by name, with the part each plays: an app's stable
   * version, the version a release in progress brings, or the previous one kept warm.
   */
  async releaseRoles(): Promise<Map<string, ReleaseRole>> {
    const roles = new Map<string, ReleaseRole>();
    for (const record of await this.book.apps()) {
      const { namespace, name: app } = record.spec;
      if (record.stable !== null) {
        const { service, version } = record.stable;
        roles.set(service, { namespace, app, version, role: 'stable', deployment: null });
      }
      if (record.previous !== null) {
        const { service, version, deployment } = record.previous;
        roles.set(service, { namespace, app, version, role: 'previous', deployment });
      }
    }
    for (const s of this.book.active()) {
      const service = `${s.environment}.${s.app}.${s.version}`;
      if (roles.has(service)) continue;
      roles.set(service, {
        namespace: s.environment,
        app: s.app,
        version: s.version,
        role: 'canary',
        deployment: s.id,
      });
    }
    return roles;
  }

  /** Ends everything this controller started: routers and the versions' workloads (tests). */
  async shutdown(): Promise<void> {
    await this.close();
    const { runtime } = this.options;
    for (const record of await this.book.apps()) {
      for (const side of [record.stable, record.previous]) {
        if (side !== null) await removeSide(runtime, side.service).catch(() => undefined);
      }
    }
    for (const s of this.book.active()) {
      const d = await this.book.get(s.id).catch(() => null);
      if (d !== null) await removeSide(runtime, d.resources.canary.service).catch(() => undefined);
    }
    for (const record of await this.book.apps()) {
      await this.traffic.remove(entryOf(record)).catch(() => undefined);
    }
  }

  /**
   * Stops an app's processes and forgets it, whatever its releases are doing: every version's
   * service (the running release's new one too) and its router. For an app this server made for
   * itself and ends with itself, as the demo's; people delete apps with {@link deleteApp}.
   */
  async retireApp(namespace: string, name: string): Promise<void> {
    await this.locked(appLock(namespace, name), async () => {
      const record = await this.book.findApp(namespace, name);
      if (record === null) return;
      const services = new Set<string>();
      for (const side of [record.stable, record.previous])
        if (side !== null) services.add(side.service);
      for (const s of this.book.active()) {
        if (s.environment !== namespace || s.app !== name) continue;
        const d = await this.book.get(s.id).catch(() => null);
        if (d !== null) services.add(d.resources.canary.service);
      }
      for (const service of services) await removeSide(this.options.runtime, service);
      await this.traffic.remove(entryOf(record));
      await this.book.deleteApp(namespace, name);
    });
  }

  /**
   * Makes an app that still exists have its entry point (its router started when it does not
   * run). Under the app's lock and after reading the app again, so a router is never started
   * for an app being deleted. Answers the entry, or null when the app is gone.
   */
  private openEntry(namespace: string, name: string): Promise<AppRef | null> {
    return this.locked(appLock(namespace, name), async () => {
      const record = await this.book.findApp(namespace, name);
      if (record === null) return null;
      const entry = entryOf(record);
      await this.traffic.open?.(entry);
      return entry;
    });
  }

  /** Runs `work` after every earlier piece of work on `key`, one at a time. */
  private locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      for (const summary of this.book.active()) {
        if (this.isClosed()) return;
        await this.reconcileLocked(summary.id);
      }
      // Housekeeping reads the apps from the store, so it runs every few seconds, not every tick.
      if (this.clock() - this.lastRouterCheck >= ROUTER_CHECK_MS) {
        this.lastRouterCheck = this.clock();
        const apps = await this.book.apps();
        await this.reviveRouters(apps);
        await this.housekeeping(apps);
      }
    } finally {
      this.ticking = false;
    }
  }

  /**
   * A pass over each app's newest release that has ended: its router kept on its table, a warm
   * version retired once its time is up, an asked rollback carried on.
   */
  private async housekeeping(apps: readonly AppRecord[]): Promise<void> {
    for (const record of apps) {
      if (this.isClosed()) return;
      const latest = this.book.latest(record.spec.namespace, record.spec.name);
      if (latest !== undefined && isFinal(latest.status)) await this.reconcileLocked(latest.id);
    }
  }

  /** One pass over a release under its app's lock; a failure is logged, the next tick retries. */
  private async reconcileLocked(
    id: string,
    until?: (d: Deployment) => boolean,
  ): Promise<Deployment | null> {
    const summary = this.book.summaryOf(id);
    if (summary === undefined) return null;
    return this.locked(appLock(summary.environment, summary.app), () =>
      this.reconcile(id, until),
    ).catch((error: unknown) => {
      this.options.logger.error({ err: error, deployment: id }, 'reconciling a release failed');
      return null;
    });
  }

  private async reconcile(id: string, until?: (d: Deployment) => boolean): Promise<Deployment> {
    let last = await this.book.get(id);
    return this.reconciler.run(
      last,
      (d) => {
        this.publish(d, last);
        last = d;
      },
      until,
    );
  }

  /** Saves nothing: tells the bus and the webhook what changed between two records. */
  private publish(after: Deployment, before: Deployment): void {
    const { bus } = this.options;
    if (after.status !== before.status || after.reason !== before.reason) {
      bus.publish('deployment.status', {
        id: after.id,
        app: after.app,
        namespace: after.environment,
        status: after.status,
        previous: before.status,
        reason: after.reason,
      });
    }
    if (
      after.progress.currentStepIndex !== before.progress.currentStepIndex ||
      after.canary.currentWeight !== before.canary.currentWeight ||
      after.analysis.length !== before.analysis.length
    ) {
      bus.publish('deployment.progress', {
        id: after.id,
        app: after.app,
        namespace: after.environment,
        step: after.progress.currentStepIndex,
        stepName: after.progress.currentStep,
        weight: after.canary.currentWeight,
        percentage: after.progress.percentage,
      });
    }
    const webhook = after.config.hooks.webhook;
    if (webhook !== null && after.status !== before.status) {
      void notifyWebhook(webhook, after, before.status);
    }
  }

  /**
   * Starts again any app's router that died (killed, crashed): it comes back on the same port
   * with the table it last persisted, so traffic resumes where it was.
   */
  private async reviveRouters(apps: readonly AppRecord[]): Promise<void> {
    for (const record of apps) {
      const { namespace, name } = record.spec;
      await this.openEntry(namespace, name).catch((error: unknown) => {
        this.options.logger.error(
          { err: error, app: appKey(namespace, name) },
          'the router of an app cannot be started',
        );
      });
    }
  }

  /** Epoch ms now, by the controller's clock. */
  now(): number {
    return this.clock();
  }

  // ---- apps

  /**
   * Creates or replaces an app from a manifest and starts its router. A pass over its newest
   * release follows, so a change the router serves (sticky sessions, header routing) applies now.
   */
  async apply(input: unknown): Promise<{ app: AppRecord; created: boolean }> {
    const applied = await applyApp(this.appDeps, input);
    const latest = this.book.latest(applied.app.spec.namespace, applied.app.spec.name);
    if (latest !== undefined) await this.reconcileLocked(latest.id);
    return applied;
  }

  /** The router of an app as it answers now (pid, uptime, table revision), or null when it does not. */
  async routerHealth(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, unknown>> | null> {
    const record = await this.book.findApp(namespace, name);
    if (record === null || this.traffic.status === undefined) return null;
    return this.traffic.status(entryOf(record));
  }

  apps(): Promise<AppRecord[]> {
    return this.book.apps();
  }

  app(namespace: string, name: string): Promise<AppRecord> {
    return this.book.app(namespace, name);
  }

  /** Stops an app's versions and its router and forgets it; refused while a release runs. */
  deleteApp(namespace: string, name: string): Promise<void> {
    return deleteApp(this.appDeps, namespace, name);
  }

  // ---- deployments

  /** Starts a release of `version`; refused while another release of the app runs. */
  async deploy(request: DeployRequest): Promise<Deployment> {
    checkDeployRequest(request);
    const namespace = request.namespace ?? 'default';
    return this.locked(appLock(namespace, request.app), async () => {
      const record = await this.book.app(namespace, request.app);
      const { runtime } = this.options;
      const planned = await planRelease(this.book, runtime, record, request, this.clock());
      const saved = await this.book.save(planned);
      await this.book.saveApp({ ...record, lastDeployment: saved.id });
      this.options.bus.publish('deployment.status', {
        id: saved.id,
        app: saved.app,
        namespace: saved.environment,
        status: saved.status,
        previous: null,
        reason: null,
      });
      void this.tick();
      return saved;
    });
  }

  /** Seed 000's live metrics of an app over the last 10 s, for the version being released. */
  async liveMetrics(namespace: string, name: string) {
    const record = await this.book.app(namespace, name);
    const latest = this.book.latest(namespace, name);
    const now = this.clock();
    const query = {
      environment: namespace,
      app: name,
      versions: liveVersions(record, latest),
      from: now - 10_000,
      to: now,
    };
    const answer = await this.metrics.query(query).catch(async () => {
      // No router known yet (a server that has just started): found or started, then asked.
      if ((await this.openEntry(namespace, name)) === null) {
        throw new NotFoundError('app', appKey(namespace, name));
      }
      return this.metrics.query(query);
    });
    return liveMetricsView(record, latest, answer, now);
  }

  get(id: string): Promise<Deployment> {
    return this.book.get(id);
  }

  page(
    filter: DeploymentFilter,
    options: { limit: number; order: 'asc' | 'desc'; after: string | null },
  ) {
    return this.book.page(filter, options);
  }

  /**
   * Carries out a person's action and answers the record as it then is. The action is recorded
   * first and carried out by `decide`, so a server killed in between finishes it on restart.
   * `retry` answers the new release it started; `abort` answers the ended release; `rollback`
   * waits until the version it goes back to is ready and serving.
   */
  async act(id: string, action: DeploymentAction, by: string): Promise<Deployment> {
    const before = await this.book.get(id);
    const why = refusal(before, action);
    if (why !== null) throw stateConflict(why);
    if (action === 'retry') {
      return this.deploy({
        app: before.app,
        namespace: before.environment,
        version: before.version,
        run: before.run,
        strategy: before.deploymentType,
        executor: by,
      });
    }
    const lock = appLock(before.environment, before.app);
    const done = (d: Deployment) => (action === 'abort' ? isFinal(d.status) : d.requested === null);
    let d = await this.locked(lock, async () => {
      const fresh = await this.book.get(id);
      const refused = refusal(fresh, action);
      if (refused !== null) throw stateConflict(refused);
      const at = new Date(this.clock()).toISOString();
      await this.book.save({ ...fresh, requested: { action, at, by } });
      return this.reconcile(id, done);
    });
    // A rollback waits for the version it goes back to; each pass sees how far it got.
    const app = await this.book.findApp(before.environment, before.app);
    const deadline = this.clock() + (app?.spec.readinessTimeoutMs ?? 30_000) + READY_GRACE_MS * 2;
    while (!done(d) && !this.isClosed() && this.clock() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      d = await this.locked(lock, () => this.reconcile(id, done));
    }
    void this.tick();
    if (action === 'rollback' && d.status !== 'ROLLED_BACK') {
      throw stateConflict(`the rollback did not happen: ${d.logs.at(-1)?.message ?? 'no reason'}`);
    }
    return d;
  }
}

/** Everything that changes an app's releases, versions or router runs under this one lock. */
function appLock(namespace: string, name: string): string {
  return `app:${appKey(namespace, name)}`;
}
