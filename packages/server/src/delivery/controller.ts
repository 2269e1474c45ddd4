import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  AlreadyExistsError,
  DEPLOYMENT_TYPES,
  ValidationError,
  VERSION_PATTERN,
  isFinal,
  newDeployment,
  pauseDeployment,
  promoteDeployment,
  refusal,
  resumeDeployment,
  RunSpecSchema,
  type AppSpec,
  type Deployment,
  type DeploymentAction,
  type DeploymentType,
  type RunSpec,
} from '@codedance/core';
import { Ajv } from 'ajv';
import type { EventBus } from '../events/index.js';
import type { RouterHealth } from '@codedance/router';
import type { ServiceSupervisor } from '../services/index.js';
import type { StoreGate } from '../status/store-gate.js';
import { applyApp, deleteApp, type AppDeps } from './apps.js';
import { appKey, DeliveryBook, type AppRecord, type DeploymentFilter } from './book.js';
import { stateConflict, type ReconcilerDeps } from './deps.js';
import { RouterFleet } from './fleet.js';
import { notifyWebhook } from './hooks.js';
import { Reconciler } from './reconcile.js';
import { plannedSide, removeSide, routeTable, sideState } from './sides.js';
import { liveMetricsView } from './views.js';

export interface DeliveryOptions {
  gate: StoreGate;
  services: () => ServiceSupervisor;
  bus: EventBus;
  logger: Logger;
  /** Routers keep their sockets, tables and logs under `<dataDir>/routers`. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  clock?: () => number;
  /** How often running releases are looked at; 500 ms by default. */
  tickMs?: number;
  /** Where routers and versions listen; 127.0.0.1 by default. */
  host?: string;
}

export interface DeployRequest {
  app: string;
  namespace?: string;
  version: string;
  run?: unknown;
  strategy?: string;
  executor?: string;
}

/** How often routers are checked (and started again when they died) and warm versions retired. */
const ROUTER_CHECK_MS = 2000;

const validRun = new Ajv({ allErrors: true, strict: false }).compile<RunSpec>(RunSpecSchema);
const VERSION = new RegExp(VERSION_PATTERN);

/**
 * Releases versions of apps: a reconcile loop over the deployments in the store. Every step's
 * effect (start a version, set the router's weights, stop a version) is idempotent and every
 * hook is recorded before it runs, so a controller killed at any moment continues from the
 * persisted step on restart and never repeats an action.
 */
export class DeliveryController {
  readonly book: DeliveryBook;
  readonly fleet: RouterFleet;
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
    this.clock = options.clock ?? Date.now;
    this.host = options.host ?? '127.0.0.1';
    this.book = new DeliveryBook(() => options.gate.store());
    this.fleet = new RouterFleet(path.join(options.dataDir, 'routers'), options.logger, this.host);
    const deps: ReconcilerDeps = {
      book: this.book,
      fleet: this.fleet,
      services: options.services,
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
    for (const record of await this.book.apps()) {
      await this.ensureRouter(record).catch((error: unknown) => {
        this.options.logger.error(
          { err: error, app: appKey(record.spec.namespace, record.spec.name) },
          'cannot start the router of an app',
        );
      });
    }
    // A rollback asked for just before the previous server died is finished now.
    for (const record of await this.book.apps()) {
      const latest = this.book.latest(record.spec.namespace, record.spec.name);
      if (latest === undefined || !isFinal(latest.status)) continue;
      const d = await this.book.get(latest.id);
      if (d.requested === null) continue;
      await this.locked(d.id, () => this.reconcile(d.id, true)).catch((error: unknown) => {
        this.options.logger.error(
          { err: error, deployment: d.id },
          'finishing an asked rollback failed',
        );
      });
    }
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

  /** Ends everything this controller started: routers and the versions' services (tests). */
  async shutdown(): Promise<void> {
    await this.close();
    const supervisor = this.options.services();
    for (const record of await this.book.apps()) {
      for (const side of [record.stable, record.previous]) {
        if (side !== null) await removeSide(supervisor, side.service).catch(() => undefined);
      }
    }
    for (const s of this.book.active()) {
      const d = await this.book.get(s.id).catch(() => null);
      if (d !== null)
        await removeSide(supervisor, d.resources.canary.service).catch(() => undefined);
    }
    await this.fleet.stopAll();
  }

  private async ensureRouter(record: AppRecord) {
    const handle = await this.fleet.ensure(
      appKey(record.spec.namespace, record.spec.name),
      record.spec.port,
    );
    return handle;
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
        await this.locked(summary.id, () => this.reconcile(summary.id)).catch((error: unknown) => {
          this.options.logger.error(
            { err: error, deployment: summary.id },
            'reconciling a release failed',
          );
        });
      }
      // Housekeeping reads the apps from the store, so it runs every few seconds, not every tick.
      if (this.clock() - this.lastRouterCheck >= ROUTER_CHECK_MS) {
        this.lastRouterCheck = this.clock();
        const apps = await this.book.apps();
        await this.retireWarm(apps);
        await this.reviveRouters(apps);
      }
    } finally {
      this.ticking = false;
    }
  }

  private async reconcile(id: string, finishRequest = false): Promise<void> {
    const before = await this.book.get(id);
    if (isFinal(before.status) && !(finishRequest && before.requested !== null)) return;
    const after = await this.reconciler.run(before, (d) => {
      this.publish(d, before);
    });
    this.publish(after, before);
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
    const webhook = (after.config.hooks as AppSpec['hooks'] | undefined)?.webhook ?? null;
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
      const key = appKey(record.spec.namespace, record.spec.name);
      await this.fleet.ensure(key, record.spec.port).catch((error: unknown) => {
        this.options.logger.error(
          { err: error, app: key },
          'the router of an app cannot be started',
        );
      });
    }
  }

  /** Stops versions kept warm after a completed release once their time is up. */
  private async retireWarm(apps: readonly AppRecord[]): Promise<void> {
    const now = this.clock();
    for (const record of apps) {
      const previous = record.previous;
      if (previous === null || Date.parse(previous.warmUntil) > now) continue;
      const key = appKey(record.spec.namespace, record.spec.name);
      await this.locked(`app:${key}`, async () => {
        const fresh = await this.book.app(record.spec.namespace, record.spec.name);
        if (fresh.previous?.service !== previous.service) return;
        const next = { ...fresh, previous: null };
        const router = this.fleet.get(key);
        if (router !== undefined && fresh.stable !== null) {
          await router.client.setRoutes(
            routeTable(next, { stable: fresh.stable, canary: null }, 0, this.host),
          );
        }
        await this.book.saveApp(next);
        await removeSide(this.options.services(), previous.service);
        this.options.logger.info(
          { app: key, version: previous.version },
          'previous version retired',
        );
      });
    }
  }

  // ---- apps

  /** Creates or replaces an app from a manifest; starts its router. */
  apply(input: unknown): Promise<{ app: AppRecord; created: boolean }> {
    return applyApp(this.appDeps, input);
  }

  /** The router of an app as it answers now (pid, uptime, table revision), or null when it does not. */
  async routerHealth(namespace: string, name: string): Promise<RouterHealth | null> {
    const handle = this.fleet.get(appKey(namespace, name));
    if (handle === undefined) return null;
    return handle.client.health().catch(() => null);
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
    const namespace = request.namespace ?? 'default';
    const key = appKey(namespace, request.app);
    if (!VERSION.test(request.version)) {
      throw new ValidationError([{ path: '/version', message: `must match ${VERSION_PATTERN}` }]);
    }
    const type = request.strategy;
    if (type !== undefined && !(DEPLOYMENT_TYPES as readonly string[]).includes(type)) {
      throw new ValidationError([
        { path: '/strategy', message: `must be one of ${DEPLOYMENT_TYPES.join(', ')}` },
      ]);
    }
    if (request.run !== undefined && !validRun(request.run)) {
      throw new ValidationError(
        (validRun.errors ?? []).map((e) => ({
          path: `/run${e.instancePath}`,
          message: e.message ?? 'is not valid',
        })),
      );
    }
    return this.locked(`app:${key}`, async () => {
      const record = await this.book.app(namespace, request.app);
      const active = this.book.latest(namespace, request.app);
      if (active !== undefined && !isFinal(active.status)) {
        throw stateConflict(
          `release ${active.id} of ${key} is ${active.status}; wait for it, or abort it`,
        );
      }
      if (record.stable?.version === request.version) {
        throw new AlreadyExistsError('version', `${request.version} (already serving ${key})`);
      }
      const supervisor = this.options.services();
      if (record.previous !== null && record.previous.version === request.version) {
        // Releasing the warm previous version again: start it afresh under the new release.
        await removeSide(supervisor, record.previous.service);
        record.previous = null;
        await this.book.saveApp(record);
      }
      const run = (request.run as RunSpec | undefined) ?? record.spec.run;
      const used = new Set<number>();
      for (const side of [record.stable, record.previous]) {
        if (side?.port != null) for (let i = 0; i < side.instances; i += 1) used.add(side.port + i);
      }
      const deploymentType: DeploymentType =
        (type as DeploymentType | undefined) ?? record.spec.strategy.type;
      const initial =
        deploymentType === 'ROLLING' && record.stable !== null ? 0 : record.spec.instances;
      const side = await plannedSide(record.spec, request.version, run, initial, used);
      const now = this.clock();
      const d = newDeployment({
        id: deploymentId(now),
        app: record.spec,
        version: request.version,
        type: deploymentType,
        run,
        executor: request.executor ?? 'api',
        stable:
          record.stable === null
            ? null
            : { ...record.stable, ...sideState(supervisor, record.stable) },
        canaryService: side.service,
        now,
      });
      d.resources.canary.port = side.port;
      const saved = await this.book.save(d);
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
    const key = appKey(namespace, name);
    const router = this.fleet.get(key) ?? (await this.ensureRouter(record));
    const now = this.clock();
    const stats = await router.client.stats({ from: now - 10_000, to: now });
    return liveMetricsView(record, this.book.latest(namespace, name), stats, now);
  }

  get(id: string): Promise<Deployment> {
    return this.book.get(id);
  }

  page(filter: DeploymentFilter, limit: number, cursor?: string) {
    return this.book.page(filter, limit, cursor);
  }

  /**
   * Carries out a person's action and answers the record as it then is. `retry` answers the
   * new release it started.
   */
  async act(id: string, action: DeploymentAction, by: string): Promise<Deployment> {
    if (action === 'retry') {
      const d = await this.book.get(id);
      const why = refusal(d, action);
      if (why !== null) throw stateConflict(why);
      return this.deploy({
        app: d.app,
        namespace: d.environment,
        version: d.version,
        run: d.run,
        strategy: d.deploymentType,
        executor: by,
      });
    }
    const result = await this.locked(id, async () => {
      const before = await this.book.get(id);
      const why = refusal(before, action);
      if (why !== null) throw stateConflict(why);
      const now = this.clock();
      let d = before;
      switch (action) {
        case 'pause':
          d = await this.book.save(pauseDeployment(before, now, by));
          break;
        case 'resume':
          d = await this.book.save(resumeDeployment(before, now, by));
          break;
        case 'promote':
          d = await this.book.save(promoteDeployment(before, now, by));
          break;
        case 'abort':
        case 'rollback': {
          // Asked first, then done: a controller killed in between finishes it on restart.
          const asked = await this.book.save({
            ...before,
            requested: { action, at: new Date(now).toISOString(), by },
          });
          d = await this.reconciler.run(asked, () => undefined);
          break;
        }
      }
      this.publish(d, before);
      return d;
    });
    void this.tick();
    return result;
  }
}

function deploymentId(now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `dep-${day}-${randomBytes(4).toString('hex')}`;
}
