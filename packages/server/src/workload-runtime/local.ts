import type { Logger } from 'pino';
import {
  AlreadyExistsError,
  NotFoundError,
  ValidationError,
  refKey,
  refProblems,
  replicasProblems,
  validateServiceSpec,
  validateWorkloadSpec,
  type ServiceSpec,
  type WatchFilter,
  type WorkloadEvent,
  type WorkloadObservation,
  type WorkloadRef,
  type WorkloadRuntime,
  type WorkloadSpec,
  type WorkloadSpecInput,
} from '@codedance/core';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/index.js';
import { freePortBlock } from '../runtime/index.js';
import { sameProcess, type ServiceSupervisor } from '../services/index.js';
import { portsOf, serviceDefinition } from './definition.js';
import { serviceName, workloadOf } from './names.js';
import { observationOf } from './observe.js';
import { ChangeStream } from './stream.js';

export interface LocalRuntimeOptions {
  /** Runs the workloads: each is the service `<environment>.<name>`. */
  services: ServiceSupervisor;
  /** Where the supervisor tells of its instances' changes. */
  bus: EventBus;
  /** The tenant whose services run the workloads: only its events are watched. */
  tenant: string;
  clock: Clock;
  logger: Logger;
  /** A first port `p` with `p … p + count - 1` free and none of them in `avoid`. */
  freePorts?: (count: number, avoid: ReadonlySet<number>) => Promise<number>;
}

/** How far back the log is read for a workload's recent output: its own notes count too. */
const OUTPUT_LOOKBACK = 20;

/**
 * The workload runtime of this host: every workload is a supervised service, every instance one
 * of its processes, restarted by the supervisor and found again by the next server. What the
 * supervisor keeps (definitions, instance records) is all the state there is; this class adds
 * only the translation, one queue of operations per workload and the change stream.
 */
export class LocalRuntime implements WorkloadRuntime {
  readonly kind = 'local';
  readonly #services: ServiceSupervisor;
  readonly #freePorts: (count: number, avoid: ReadonlySet<number>) => Promise<number>;
  readonly #stream: ChangeStream;
  readonly #unsubscribe: () => void;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: LocalRuntimeOptions) {
    this.#services = options.services;
    this.#freePorts = options.freePorts ?? ((count, avoid) => freePortBlock(count, { avoid }));
    this.#stream = new ChangeStream(options.clock, (error) => {
      options.logger.warn({ err: error }, 'a watcher of workloads failed and was dropped');
    });
    this.#unsubscribe = options.bus.subscribe(
      { types: ['service.instance', 'service.status'], tenant: options.tenant },
      null,
      (message) => {
        const data = message.type === 'event' ? (message.event.data as { name?: unknown }) : {};
        if (typeof data.name === 'string') this.#seen(data.name);
        return true;
      },
    );
  }

  async create(input: WorkloadSpecInput): Promise<WorkloadObservation> {
    const spec = checked(input);
    const ref = refOf(spec);
    return this.#locked(ref, async () => {
      if (this.#services.has(serviceName(ref))) {
        throw new AlreadyExistsError('workload', refKey(ref));
      }
      const port = await this.#portFor(spec, null);
      await this.#services.create(serviceDefinition(spec, port), { start: true });
      return this.#refresh(ref);
    });
  }

  async update(input: WorkloadSpecInput): Promise<WorkloadObservation> {
    const spec = checked(input);
    const ref = refOf(spec);
    return this.#locked(ref, async () => {
      const current = this.#stored(ref);
      let port = await this.#portFor(spec, current.port ?? null);
      // New processes under `assigned` ports listen on new ones, beside the old until they go.
      const next = validateServiceSpec(serviceDefinition(spec, port));
      if (spec.ports.kind === 'assigned' && next.ok && !sameProcess(current, next.value)) {
        port = await this.#portFor(spec, null);
      }
      await this.#services.update(serviceName(ref), serviceDefinition(spec, port));
      return this.#refresh(ref);
    });
  }

  async scale(ref: WorkloadRef, replicas: number): Promise<WorkloadObservation> {
    const problems = [...refProblems(ref), ...replicasProblems(replicas)];
    if (problems.length > 0) throw new ValidationError(problems, 'workload');
    return this.#locked(ref, async () => {
      const service = serviceName(ref);
      this.#stored(ref);
      const view = await this.#services.scale(service, replicas);
      if (view.status === 'STOPPED') await this.#services.startService(service);
      return this.#refresh(ref);
    });
  }

  async stop(ref: WorkloadRef): Promise<WorkloadObservation> {
    checkRef(ref);
    return this.#locked(ref, async () => {
      this.#stored(ref);
      await this.#services.stopService(serviceName(ref));
      return this.#refresh(ref);
    });
  }

  async remove(ref: WorkloadRef): Promise<boolean> {
    checkRef(ref);
    return this.#locked(ref, async () => {
      const service = serviceName(ref);
      if (!this.#services.has(service)) return false;
      await this.#services.remove(service);
      this.#stream.update(ref, null);
      return true;
    });
  }

  observe(ref: WorkloadRef): Promise<WorkloadObservation | null> {
    return Promise.resolve().then(() => {
      checkRef(ref);
      return this.#now(ref);
    });
  }

  async recentOutput(ref: WorkloadRef, limit: number): Promise<string[]> {
    checkRef(ref);
    const entries = await this.#services.logs({
      kind: 'service',
      id: serviceName(ref),
      limit: OUTPUT_LOOKBACK,
    });
    return entries
      .filter((e) => e.stream !== 'system' && e.line.trim() !== '')
      .reverse()
      .slice(-Math.max(0, limit))
      .map((e) => e.line);
  }

  watch(filter: WatchFilter, listener: (event: WorkloadEvent) => void): () => void {
    // A new watcher hears of changes from now on, not of what was there before it came.
    for (const view of this.#services.list()) {
      const ref = workloadOf(view.name);
      if (ref !== null) this.#stream.seed(ref, observationOf(ref, view));
    }
    return this.#stream.subscribe(filter, listener);
  }

  /** Stops telling watchers; the workloads keep running (the supervisor owns them). */
  close(): void {
    this.#unsubscribe();
    this.#stream.close();
  }

  // ---- internals

  #now(ref: WorkloadRef): WorkloadObservation | null {
    const service = serviceName(ref);
    return this.#services.has(service)
      ? observationOf(refOf(ref), this.#services.view(service))
      : null;
  }

  /** The supervisor told of a change to a service: the stream learns what it means. */
  #seen(service: string): void {
    const ref = workloadOf(service);
    if (ref !== null) this.#stream.update(ref, this.#now(ref));
  }

  /**
   * After an operation: changes the supervisor announces no event for (replicas, revision) go
   * out too, and the caller gets the workload as it is now.
   */
  #refresh(ref: WorkloadRef): WorkloadObservation {
    const now = this.#now(ref);
    this.#stream.update(ref, now);
    if (now === null) throw new NotFoundError('workload', refKey(ref));
    return now;
  }

  /** The stored definition of a workload's service, secrets included. */
  #stored(ref: WorkloadRef): ServiceSpec {
    const service = serviceName(ref);
    const spec = this.#services.has(service)
      ? this.#services.specs().find((s) => s.name === service)
      : undefined;
    if (spec === undefined) throw new NotFoundError('workload', refKey(ref));
    return spec;
  }

  /** The first port of the workload's instances; `current` is kept unless the policy says otherwise. */
  async #portFor(spec: WorkloadSpec, current: number | null): Promise<number | null> {
    switch (spec.ports.kind) {
      case 'none':
        return null;
      case 'block':
        return spec.ports.first;
      case 'assigned': {
        if (current !== null) return current;
        const used = new Set(this.#services.specs().flatMap(portsOf));
        return this.#freePorts(spec.replicas, used);
      }
    }
  }

  /** Runs operations on one workload one at a time, in the order they were asked for. */
  #locked<T>(ref: WorkloadRef, work: () => Promise<T>): Promise<T> {
    const key = refKey(ref);
    const run = (this.#queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    const settled = run.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }
}

/** A valid spec this host can run: commands, not images. */
function checked(input: WorkloadSpecInput): WorkloadSpec {
  const result = validateWorkloadSpec(input);
  if (!result.ok) throw new ValidationError(result.problems, 'workload');
  if (result.value.image !== undefined) {
    throw new ValidationError(
      [
        {
          path: '/image',
          message: 'cannot be run by the local runtime, which runs commands on this host',
        },
      ],
      'workload',
    );
  }
  return result.value;
}

/** Only the identity: a spec carries its environment and name, and secrets beside them. */
function refOf(ref: WorkloadRef): WorkloadRef {
  return { environment: ref.environment, name: ref.name };
}

function checkRef(ref: WorkloadRef): void {
  const problems = refProblems(ref);
  if (problems.length > 0) throw new ValidationError(problems, 'workload');
}
