import type { Logger } from 'pino';
import { StoreUnavailableError, parseByteSize } from '@codedance/core';
import type { ConfigRuntime } from './config/index.js';
import { DeliveryController } from './delivery/index.js';
import { EventBus } from './events/index.js';
import { LogHub } from './logs/index.js';
import { LocalProcesses } from './runtime/index.js';
import type { StoreGate } from './store/index.js';
import { ServiceSupervisor } from './services/index.js';
import { TaskController } from './tasks/index.js';
import { JobsWatcher } from './transfer/index.js';
import { LocalRuntime } from './workload-runtime/index.js';
import { Starter } from './workloads/index.js';
import { systemClock } from './clock.js';

export interface Workloads {
  runtime: LocalProcesses;
  hub: LogHub;
  bus: EventBus;
  /** The task controller once the store has opened and it has started; a 503 before. */
  tasks: () => TaskController;
  /** The service supervisor once started; a 503 before. */
  services: () => ServiceSupervisor;
  jobs: () => JobsWatcher;
  /** The release controller once started; a 503 before. */
  delivery: () => DeliveryController;
  /** Resolves when the controllers have started (after the store first opens); the demo waits on it. */
  ready: () => Promise<void>;
  close: () => Promise<void>;
  /** Stops every workload (services, task runs, routers) and closes: `codedance kill`. */
  halt: () => Promise<void>;
}

/**
 * Builds the workload side of the server: the local runtime, the log hub,
 * the event bus and the controllers, and starts the controllers as soon as
 * the store is open (at once, or when it first comes up).
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
  const edges = { gate, runtime, hub, bus, logsDir: boot.logging.dir, env: input.env };
  const services = new ServiceSupervisor({
    ...edges,
    logger: logger.child({ feature: 'services' }),
  });
  const tasks = new TaskController({
    ...edges,
    logger: logger.child({ feature: 'tasks' }),
    defaultTimeout: () => config.current().tasks.timeout,
    graceMs: 5000,
    clock: systemClock,
    maxConcurrent: () => config.current().tasks.maxConcurrent,
    runHistory: () => config.current().tasks.runHistory,
  });
  const workloadRuntime = new LocalRuntime({
    services,
    bus,
    clock: systemClock,
    logger: logger.child({ feature: 'runtime' }),
  });
  const delivery = new DeliveryController({
    gate,
    runtime: workloadRuntime,
    bus,
    logger: logger.child({ feature: 'delivery' }),
    dataDir: input.dataDir,
    env: input.env,
    clock: systemClock,
  });
  const jobs = new JobsWatcher(
    boot.tasks.jobsDirectory,
    () => tasks,
    logger.child({ feature: 'jobs' }),
  );
  const starter = new Starter(
    async () => {
      await tasks.start();
      await services.start();
      await delivery.start();
      jobs.start();
      logger.info({ tasks: tasks.size, services: services.size }, 'workloads started');
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

  const whenStarted = <T>(value: T): T => {
    if (!starter.started) throw new StoreUnavailableError(gate.raw().backend);
    return value;
  };

  return {
    runtime,
    hub,
    bus,
    tasks: () => whenStarted(tasks),
    services: () => whenStarted(services),
    jobs: () => whenStarted(jobs),
    delivery: () => whenStarted(delivery),
    ready: () => readyPromise,
    halt: async () => {
      gate.off('up', onUp);
      await starter.close();
      jobs.stop();
      // Before the store first opened nothing was started: closing is all there is to do.
      const started = starter.started;
      await (started ? delivery.halt() : delivery.close());
      workloadRuntime.close();
      await (started ? tasks.halt() : tasks.close());
      await (started ? services.halt() : services.close());
      await hub.close();
      runtime.close();
    },
    close: async () => {
      gate.off('up', onUp);
      // A start in progress finishes first: what it starts is then closed below.
      await starter.close();
      jobs.stop();
      // Releases stop where they are; routers and versions keep serving for the next server.
      await delivery.close();
      workloadRuntime.close();
      await tasks.close();
      // Services keep running too; the next server re-adopts them.
      await services.close();
      await hub.close();
      runtime.close();
    },
  };
}
