import type { Logger } from 'pino';
import { StoreUnavailableError, parseByteSize } from '@codedance/core';
import type { ConfigRuntime } from '../config/index.js';
import { EventBus } from '../events/index.js';
import { LogHub } from '../logs/index.js';
import { LocalRuntime } from '../runtime/index.js';
import type { StoreGate } from '../status/store-gate.js';
import { ServiceSupervisor } from '../services/index.js';
import { TaskController } from '../tasks/controller.js';
import { JobsWatcher } from '../transfer/jobs.js';

export interface Workloads {
  runtime: LocalRuntime;
  hub: LogHub;
  bus: EventBus;
  /** The task controller once the store has opened and it has started; a 503 before. */
  tasks: () => TaskController;
  /** The service supervisor once started; a 503 before. */
  services: () => ServiceSupervisor;
  jobs: () => JobsWatcher;
  /** Resolves when the controllers have started (after the store first opens). */
  ready: () => Promise<void>;
  close: () => Promise<void>;
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
}): Workloads {
  const { gate, config, logger } = input;
  const boot = config.current();
  const runtime = new LocalRuntime();
  const hub = new LogHub({
    dir: boot.logging.dir,
    journal: {
      maxSize: parseByteSize(boot.logging.maxSize) ?? 10 * 1024 * 1024,
      maxFiles: boot.logging.maxFiles,
    },
  });
  const bus = new EventBus();
  const services = new ServiceSupervisor({
    gate,
    runtime,
    hub,
    bus,
    logger: logger.child({ feature: 'services' }),
    logsDir: boot.logging.dir,
    env: input.env,
  });
  const tasks = new TaskController({
    gate,
    runtime,
    hub,
    bus,
    logger: logger.child({ feature: 'tasks' }),
    logsDir: boot.logging.dir,
    env: input.env,
    defaultTimeout: () => config.current().tasks.timeout,
    graceMs: 5000,
    maxConcurrent: () => config.current().tasks.maxConcurrent,
    runHistory: () => config.current().tasks.runHistory,
  });
  const jobs = new JobsWatcher(
    boot.tasks.jobsDirectory,
    () => tasks,
    logger.child({ feature: 'jobs' }),
  );
  let starting = false;
  let started = false;
  let closed = false;

  const startControllers = async () => {
    if (starting || started || closed) return;
    starting = true;
    try {
      await tasks.start();
      await services.start();
      jobs.start();
      started = true;
      logger.info(
        { tasks: tasks.list().length, services: services.list().length },
        'workloads started',
      );
    } catch (error) {
      logger.error(
        { err: error },
        'starting the workload controllers failed; retrying when the store is next up',
      );
    } finally {
      starting = false;
    }
  };
  let readyResolve!: () => void;
  const readyPromise = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  const onUp = () => {
    void startControllers().then(() => {
      if (started) readyResolve();
    });
  };
  gate.on('up', onUp);
  if (gate.status().opened) onUp();

  const whenStarted = <T>(value: T): T => {
    if (!started) throw new StoreUnavailableError(gate.raw().backend);
    return value;
  };

  return {
    runtime,
    hub,
    bus,
    tasks: () => whenStarted(tasks),
    services: () => whenStarted(services),
    jobs: () => whenStarted(jobs),
    ready: () => readyPromise,
    close: async () => {
      closed = true;
      gate.off('up', onUp);
      jobs.stop();
      await tasks.close();
      // Services keep running too; the next server re-adopts them.
      await services.close();
      await hub.close();
      runtime.close();
    },
  };
}
