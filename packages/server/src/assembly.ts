import type { Logger } from 'pino';
import { NotFoundError, StoreUnavailableError, parseByteSize } from '@codedance/core';
import { ADMIN } from './auth/index.js';
import type { ConfigRuntime } from './config/index.js';
import { DeliveryController } from './delivery/index.js';
import { EventBus } from './events/index.js';
import { LogHub } from './logs/index.js';
import { LocalProcesses } from './runtime/index.js';
import type { StoreGate } from './store/index.js';
import { ServiceSupervisor } from './services/index.js';
import { TaskController } from './tasks/index.js';
import { TenantScopes, isDefaultTenant, knownTenants, rememberTenant } from './tenancy/index.js';
import { JobsWatcher } from './transfer/index.js';
import { LocalRuntime } from './workload-runtime/index.js';
import { Starter } from './workloads/index.js';
import { systemClock } from './clock.js';

/** One tenant's workload controllers. */
export interface TenantWorkloads {
  tasks: TaskController;
  services: ServiceSupervisor;
  delivery: DeliveryController;
  runtime: LocalRuntime;
}

export interface Workloads {
  runtime: LocalProcesses;
  hub: LogHub;
  bus: EventBus;
  /** A tenant's task controller once the store has opened and it has started; a 503 before. */
  tasks: (tenant: string) => TaskController;
  /** A tenant's service supervisor once started; a 503 before. */
  services: (tenant: string) => ServiceSupervisor;
  /** The jobs folder, which belongs to the host's admin and fills its tenant; 404 in another. */
  jobs: (tenant: string) => JobsWatcher;
  /** A tenant's release controller once started; a 503 before. */
  delivery: (tenant: string) => DeliveryController;
  /**
   * Makes and starts a tenant's controllers if they are not yet (the first
   * request of a new tenant); nothing while the store has not opened.
   */
  ensure: (tenant: string) => Promise<void>;
  /** The tenants whose controllers run. */
  tenants: () => string[];
  /** Resolves when the controllers have started (after the store first opens); the demo waits on it. */
  ready: () => Promise<void>;
  close: () => Promise<void>;
  /** Stops every workload (services, task runs, routers) and closes: `codedance kill`. */
  halt: () => Promise<void>;
}

/**
 * Builds the workload side of the server: the local runtime, the log hub,
 * the event bus, and one set of controllers per tenant, which start as soon
 * as the store is open (at once, or when it first comes up) for every
 * tenant with records, and on its first request for a tenant new here.
 */
export function createWorkloads(input: {
  gate: StoreGate;
  config: ConfigRuntime;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Routers keep their sockets and tables under `<dataDir>/routers`. */
  dataDir: string;
}): Workloads {
  const { gate, config, logger } = input;
  const boot = config.current();
  const runtime = new LocalProcesses();
  const hub = new LogHub({
    dir: boot.logging.dir,
    journal: {
      maxSize: parseByteSize(boot.logging.maxSize) ?? 10 * 1024 * 1024,
      maxFiles: boot.logging.maxFiles,
    },
  });
  const bus = new EventBus();
  const forTenant = (tenant: string): TenantWorkloads => {
    const scoped = isDefaultTenant(tenant) ? logger : logger.child({ tenant });
    const edges = {
      tenant,
      gate,
      runtime,
      hub,
      bus: bus.tenant(tenant),
      logsDir: boot.logging.dir,
      env: input.env,
    };
    const services = new ServiceSupervisor({
      ...edges,
      logger: scoped.child({ feature: 'services' }),
    });
    const tasks = new TaskController({
      ...edges,
      logger: scoped.child({ feature: 'tasks' }),
      defaultTimeout: () => config.current().tasks.timeout,
      graceMs: 5000,
      clock: systemClock,
      maxConcurrent: () => config.current().tasks.maxConcurrent,
      runHistory: () => config.current().tasks.runHistory,
    });
    const workloadRuntime = new LocalRuntime({
      services,
      bus,
      tenant,
      clock: systemClock,
      logger: scoped.child({ feature: 'runtime' }),
    });
    const delivery = new DeliveryController({
      tenant,
      gate,
      runtime: workloadRuntime,
      bus: bus.tenant(tenant),
      logger: scoped.child({ feature: 'delivery' }),
      dataDir: input.dataDir,
      env: input.env,
      clock: systemClock,
    });
    return { tasks, services, delivery, runtime: workloadRuntime };
  };
  const scopes = new TenantScopes<TenantWorkloads>(forTenant, async (scope, tenant) => {
    await rememberTenant(gate.store(), tenant);
    await scope.tasks.start();
    await scope.services.start();
    await scope.delivery.start();
  });
  // The host's jobs folder is the admin's: it fills the admin's tenant.
  const jobsTenant = ADMIN.tenant;
  const jobs = new JobsWatcher(
    boot.tasks.jobsDirectory,
    () => whenStarted(jobsTenant).tasks,
    logger.child({ feature: 'jobs' }),
  );
  const starter = new Starter(
    async () => {
      for (const tenant of await knownTenants(gate.store())) await scopes.ensure(tenant);
      jobs.start();
      const all = scopes.entries().map(([, scope]) => scope);
      logger.info(
        {
          tenants: all.length,
          tasks: all.reduce((n, scope) => n + scope.tasks.list().length, 0),
          services: all.reduce((n, scope) => n + scope.services.list().length, 0),
        },
        'workloads started',
      );
    },
    (error) => {
      logger.error(
        { err: error },
        'starting the workload controllers failed; retrying when the store is next up',
      );
    },
  );
  let readyResolve!: () => void;
  const readyPromise = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  const onUp = () => {
    void starter.run().then(() => {
      if (starter.started) readyResolve();
    });
  };
  gate.on('up', onUp);
  if (gate.status().opened) onUp();

  function whenStarted(tenant: string): TenantWorkloads {
    const scope = starter.started ? scopes.get(tenant) : undefined;
    if (scope === undefined) throw new StoreUnavailableError(gate.raw().backend);
    return scope;
  }

  return {
    runtime,
    hub,
    bus,
    tasks: (tenant) => whenStarted(tenant).tasks,
    services: (tenant) => whenStarted(tenant).services,
    jobs: (tenant) => {
      if (tenant !== jobsTenant) throw new NotFoundError('jobs folder', tenant);
      whenStarted(tenant);
      return jobs;
    },
    delivery: (tenant) => whenStarted(tenant).delivery,
    ensure: async (tenant) => {
      if (starter.started) await scopes.ensure(tenant);
    },
    tenants: () => scopes.tenants(),
    ready: () => readyPromise,
    halt: async () => {
      gate.off('up', onUp);
      await starter.close();
      jobs.stop();
      // What never finished starting (the store never opened, or failed) is only closed.
      const all = await scopes.drain();
      const started = new Set(scopes.entries().map(([, scope]) => scope));
      await Promise.all(
        all.map((scope) => (started.has(scope) ? scope.delivery.halt() : scope.delivery.close())),
      );
      for (const scope of all) scope.runtime.close();
      await Promise.all(
        all.map((scope) => (started.has(scope) ? scope.tasks.halt() : scope.tasks.close())),
      );
      await Promise.all(
        all.map((scope) => (started.has(scope) ? scope.services.halt() : scope.services.close())),
      );
      await hub.close();
      runtime.close();
    },
    close: async () => {
      gate.off('up', onUp);
      // A start in progress finishes first: what it starts is then closed below.
      await starter.close();
      jobs.stop();
      const all = await scopes.drain();
      // Releases stop where they are; routers and versions keep serving for the next server.
      await Promise.all(all.map((scope) => scope.delivery.close()));
      for (const scope of all) scope.runtime.close();
      await Promise.all(all.map((scope) => scope.tasks.close()));
      // Services keep running too; the next server re-adopts them.
      await Promise.all(all.map((scope) => scope.services.close()));
      await hub.close();
      runtime.close();
    },
  };
}
