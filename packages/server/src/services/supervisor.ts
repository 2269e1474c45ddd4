import {
  AlreadyExistsError,
  NotFoundError,
  SortedKeys,
  TENANT_DEFAULT,
  withKeptSecrets,
  type ServiceSpec,
  type ListPageOptions,
} from '@codedance/core';
import type { LogEntry, LogQuery, LogSource } from '../logs/index.js';
import { listAll, type StoredRecord } from '../store/index.js';
import type { WorkloadContext } from '../workloads/index.js';
import { sameProcess, validateDefinition, validateReplacement } from './definition.js';
import { ServiceEntry } from './entry.js';
import type { InstanceContext } from './context.js';
import { ServiceInstance } from './instance.js';
import {
  SERVICE_INSTANCE_KIND,
  SERVICE_KIND,
  type InstanceData,
  type ServiceData,
} from './records.js';
import { isStale } from './rollout.js';
import type { ServiceView, TailLine } from './views.js';
import { systemClock } from '../clock.js';

/**
 * The workload edges (instances write into `<logsDir>/services/<name>/<instance>.out.pipe`,
 * which the log hub copies to `<instance>.out.log`)
 * and what tests replace.
 */
export interface ServiceSupervisorOptions extends WorkloadContext {
  clock?: () => number;
  random?: () => number;
  /** How often CPU and memory of each process are sampled; 5000 ms by default. */
  sampleMs?: number;
}

/** Lines of log tail shown for a crash-looping or errored service. */
const TAIL_LINES = 20;

/**
 * Keeps services running: starts their instances, restarts them by policy,
 * rolls restarts one instance at a time, and re-adopts the processes a
 * previous server left running. Definitions and instance records live in
 * the store; this class holds only timers, probes and the processes in
 * hand, and rebuilds them from the store in `start()`.
 */
export class ServiceSupervisor {
  private readonly entries = new Map<string, ServiceEntry>();
  /** The names in order, so a page of services is found without sorting them all. */
  private readonly names = new SortedKeys();
  private readonly ctx: InstanceContext;
  private started = false;
  private closed = false;

  constructor(private readonly options: ServiceSupervisorOptions) {
    this.ctx = {
      ...options,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      // PM2 checks memory every 30 s; every 5 s catches a leak sooner at a small cost.
      sampleMs: options.sampleMs ?? 5000,
      current: (name) => {
        const entry = this.entries.get(name);
        return entry ? { spec: entry.spec, generation: entry.generation } : null;
      },
      lines: (source, since, listener) => this.lines(source, since, listener),
      changed: (instance) => {
        this.onInstanceChanged(instance);
      },
      restarted: (instance, reason, delayMs) => {
        const { restarts } = instance.data();
        const data = {
          name: instance.service,
          instance: instance.index,
          reason,
          delayMs,
          restarts,
        };
        this.options.bus.publish('service.restart', data);
      },
    };
  }

  private store() {
    return this.options.gate.store();
  }

  /**
   * Loads every service and re-adopts the processes its instances were
   * running; starts what should run and does not. Call once the store is open.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    let services: StoredRecord<ServiceData>[];
    let instances: StoredRecord<InstanceData>[];
    try {
      services = await listAll<ServiceData>(this.store(), TENANT_DEFAULT, SERVICE_KIND);
      instances = await listAll<InstanceData>(this.store(), TENANT_DEFAULT, SERVICE_INSTANCE_KIND);
    } catch (error) {
      // Nothing was touched yet: a later call (once the store is up) starts over.
      this.started = false;
      throw error;
    }
    for (const { id, version, data } of services) {
      this.entries.set(id, this.newEntry(id, data.spec, version, data.generation));
      this.names.add(id);
    }
    const leftovers: ServiceInstance[] = [];
    for (const record of instances) {
      const instance = ServiceInstance.load(this.ctx, record);
      const entry = this.entries.get(record.data.service);
      // A delete or a scale-down was cut short: finish it.
      if (!entry || instance.index >= entry.spec.instances) leftovers.push(instance);
      else entry.instances[instance.index] = instance;
    }
    await Promise.all(leftovers.map((instance) => this.retire(instance)));
    const fresh: ServiceInstance[] = [];
    const resumed: ServiceInstance[] = [];
    for (const entry of this.entries.values()) {
      const known = entry.instances.filter(Boolean);
      // A definition without instance records was written but never started here.
      const run = known.length === 0 ? entry.spec.enabled : entry.isRunning();
      for (let i = 0; i < entry.spec.instances; i++) {
        const existing = entry.instances[i];
        if (existing) {
          resumed.push(existing);
          continue;
        }
        const created = await this.newInstance(entry, i, run);
        entry.instances[i] = created;
        if (run) fresh.push(created);
      }
    }
    await Promise.all([...resumed.map((i) => i.resume()), ...fresh.map((i) => i.start())]);
    for (const entry of this.entries.values()) {
      entry.refreshStatus(true);
      // A rolling restart that a previous server did not finish carries on.
      if (isStale(entry)) void entry.startRollout(() => this.closed);
    }
  }

  /** The definitions as stored, secrets included: for the server's own use, never an answer. */
  specs(): ServiceSpec[] {
    return [...this.entries.values()].map((entry) => entry.spec);
  }

  /** Every service, by name. */
  list(): ServiceView[] {
    return this.names.all().map((name) => this.view(name));
  }

  /** How many services there are. */
  get size(): number {
    return this.names.size;
  }

  /**
   * One page of services by name: a keyset over the sorted names, with views
   * built for the page's services only, and the exact count of every match.
   */
  page(options: ListPageOptions): { items: ServiceView[]; total: number; next: string | null } {
    const page = this.names.pageMatching(
      options,
      (name) => this.entries.get(name)?.status ?? null,
      (name) => [name, this.entries.get(name)?.spec.command ?? ''],
    );
    const now = this.ctx.clock();
    const items = page.keys.map((name) => this.entry(name).view(now));
    return { items, total: page.total, next: page.next };
  }

  /** One service; with its log tail when it is crash-looping or errored. */
  async get(name: string): Promise<ServiceView> {
    const view = this.view(name);
    if (view.status !== 'CRASHLOOP' && view.status !== 'ERRORED') return view;
    return { ...view, logTail: await this.tail(name) };
  }

  view(name: string): ServiceView {
    return this.entry(name).view(this.ctx.clock());
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Log lines of services from the hub's journal, newest first. */
  logs(query: LogQuery): Promise<LogEntry[]> {
    return this.options.hub.query(query);
  }

  /** Defines a service; starts it when `start` is true and the definition is enabled. */
  async create(input: unknown, options: { start: boolean }): Promise<ServiceView> {
    const spec = validateDefinition(withKeptSecrets(input, 'env', undefined, 'service'));
    if (this.entries.has(spec.name)) throw new AlreadyExistsError('service', spec.name);
    const data: ServiceData = { spec, generation: 1 };
    const saved = await this.store().create(TENANT_DEFAULT, SERVICE_KIND, spec.name, data);
    const entry = this.newEntry(spec.name, spec, saved.version, 1);
    this.entries.set(spec.name, entry);
    this.names.add(spec.name);
    const run = options.start && spec.enabled;
    await this.locked(entry, async () => {
      for (let i = 0; i < spec.instances; i++)
        entry.instances.push(await this.newInstance(entry, i, run));
      entry.refreshStatus(true);
      if (run) await Promise.all(entry.instances.map((i) => i.start()));
    });
    return this.view(spec.name);
  }

  /**
   * Replaces a definition (with `expectedVersion`, only if nobody changed it
   * since). A change to what runs rolls a restart through the instances;
   * a change of `instances` scales. With `wait`, resolves once the rollout is done.
   */
  async update(
    name: string,
    input: unknown,
    expectedVersion?: number,
    options: { wait?: boolean } = {},
  ): Promise<ServiceView> {
    const entry = this.entry(name);
    const spec = validateReplacement(
      name,
      withKeptSecrets(input, 'env', entry.spec.env, 'service'),
    );
    const restart = await this.locked(entry, async () => {
      const changed = !sameProcess(entry.spec, spec);
      const generation = changed ? entry.generation + 1 : entry.generation;
      await this.saveDefinition(entry, spec, generation, expectedVersion ?? entry.version);
      await this.resize(entry);
      return changed;
    });
    if (restart) {
      const rollout = entry.startRollout(() => this.closed);
      if (options.wait) await rollout;
    }
    return this.view(name);
  }

  /** Starts every instance that is not running. */
  async startService(name: string): Promise<ServiceView> {
    const entry = this.entry(name);
    entry.halted = false;
    await this.locked(entry, () => Promise.all(entry.instances.map((i) => i.start())));
    return this.view(name);
  }

  /** Stops every instance gracefully; they stay stopped across server restarts. */
  async stopService(name: string): Promise<ServiceView> {
    const entry = this.entry(name);
    entry.halted = true;
    await this.locked(entry, () => Promise.all(entry.instances.map((i) => i.stop())));
    return this.view(name);
  }

  /**
   * Replaces every instance with a new process, one at a time, each ready
   * before the next is touched, so a service of two or more keeps serving.
   * Stopped instances are started. With `wait` (the default), resolves once done.
   */
  async restartService(name: string, options: { wait?: boolean } = {}): Promise<ServiceView> {
    const entry = this.entry(name);
    await this.locked(entry, async () => {
      for (const instance of entry.instances) await instance.want('running');
      // The new generation in the store is the request: a server killed midway finishes it.
      await this.saveDefinition(entry, entry.spec, entry.generation + 1, entry.version);
    });
    const rollout = entry.startRollout(() => this.closed);
    if (options.wait ?? true) await rollout;
    return this.view(name);
  }

  /** Changes the number of instances; new ones start if the service is running. */
  async scale(name: string, instances: number): Promise<ServiceView> {
    const entry = this.entry(name);
    await this.locked(entry, async () => {
      const spec = validateDefinition({ ...entry.spec, instances });
      await this.saveDefinition(entry, spec, entry.generation, entry.version);
      await this.resize(entry);
    });
    return this.view(name);
  }

  /** Stops every instance, then deletes the service and its records. */
  async remove(name: string): Promise<void> {
    const entry = this.entry(name);
    entry.halted = true;
    const previous = entry.status;
    await this.locked(entry, async () => {
      await Promise.all(entry.instances.map((i) => i.stop()));
      await Promise.all(entry.instances.map((i) => i.close()));
      // The definition goes first: instance records without one are cleaned up on the next start.
      await this.store().delete(TENANT_DEFAULT, SERVICE_KIND, name);
      this.entries.delete(name);
      this.names.delete(name);
      for (const instance of entry.instances) await instance.deleteRecord();
    });
    this.options.bus.publish('service.status', { name, status: 'DELETED', previous });
  }

  /**
   * Stops every process and closes, keeping each service's wanted state: what ran starts
   * again with the next server (`codedance kill`).
   */
  async halt(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    for (const entry of entries) entry.halted = true;
    await Promise.all(entries.map((entry) => entry.rollout ?? Promise.resolve()));
    await Promise.all(entries.flatMap((entry) => entry.instances.map((i) => i.halt())));
    await this.close();
  }

  /**
   * Stops timers, probes and log tails and saves where each tail was; the
   * processes keep running and the next server re-adopts them. Call before
   * the hub and the runtime are closed.
   */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    for (const entry of entries) entry.halted = true;
    await Promise.all(entries.flatMap((entry) => entry.instances.map((i) => i.close())));
    await Promise.all(entries.map((entry) => entry.rollout ?? Promise.resolve()));
  }

  // ---- internals

  private newEntry(
    name: string,
    spec: ServiceSpec,
    version: number,
    generation: number,
  ): ServiceEntry {
    return new ServiceEntry(name, spec, version, generation, this.options.bus, this.options.logger);
  }

  private newInstance(entry: ServiceEntry, index: number, run: boolean): Promise<ServiceInstance> {
    return ServiceInstance.create(
      this.ctx,
      entry.name,
      index,
      run ? 'running' : 'stopped',
      entry.generation,
    );
  }

  private entry(name: string): ServiceEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new NotFoundError('service', name);
    return entry;
  }

  /** Runs an API action alone on its service; refuses if the service was deleted meanwhile. */
  private locked<T>(entry: ServiceEntry, action: () => Promise<T>): Promise<T> {
    return entry.locked(() => {
      if (this.entries.get(entry.name) !== entry) throw new NotFoundError('service', entry.name);
    }, action);
  }

  private async saveDefinition(
    entry: ServiceEntry,
    spec: ServiceSpec,
    generation: number,
    expectedVersion: number,
  ): Promise<void> {
    const data: ServiceData = { spec, generation };
    const saved = await this.store().update(
      TENANT_DEFAULT,
      SERVICE_KIND,
      entry.name,
      data,
      expectedVersion,
    );
    entry.spec = spec;
    entry.generation = generation;
    entry.version = saved.version;
  }

  /** Adds or removes instances to match the definition; the highest numbers go first. */
  private async resize(entry: ServiceEntry): Promise<void> {
    const wanted = entry.spec.instances;
    const run = entry.isRunning();
    while (entry.instances.length > wanted) {
      const instance = entry.instances.pop();
      if (instance) await this.retire(instance);
    }
    const fresh: ServiceInstance[] = [];
    for (let i = entry.instances.length; i < wanted; i++) {
      const instance = await this.newInstance(entry, i, run);
      entry.instances.push(instance);
      if (run) fresh.push(instance);
    }
    entry.refreshStatus();
    await Promise.all(fresh.map((i) => i.start()));
  }

  /** Stops an instance that is no longer wanted (adopting its process first) and deletes its record. */
  private async retire(instance: ServiceInstance): Promise<void> {
    await instance.want('stopped');
    await instance.resume();
    await instance.stop();
    await instance.close();
    await instance.deleteRecord();
  }

  private onInstanceChanged(instance: ServiceInstance): void {
    const { state, pid, restarts } = instance.data();
    const data = { name: instance.service, instance: instance.index, state, pid, restarts };
    this.options.bus.publish('service.instance', data);
    const entry = this.entries.get(instance.service);
    if (!entry) return;
    entry.refreshStatus();
    // A rollout paused on an instance that was not ready carries on once it is.
    if (state === 'online' && !entry.rollout && !entry.halted && !this.closed && isStale(entry)) {
      void entry.startRollout(() => this.closed);
    }
  }

  private lines(
    source: LogSource,
    since: number | null,
    listener: (line: string) => void,
  ): () => void {
    const filter = {
      kind: 'service' as const,
      id: source.id,
      ...(source.instance === undefined ? {} : { instance: source.instance }),
    };
    return this.options.hub.subscribe(filter, since, (message) => {
      if (message.type === 'entry' && message.entry.stream !== 'system')
        listener(message.entry.line);
      return true;
    });
  }

  private async tail(name: string): Promise<TailLine[]> {
    const entries = await this.options.hub.query({ kind: 'service', id: name, limit: TAIL_LINES });
    return entries
      .map((e) => ({
        time: e.time,
        instance: e.source.instance ?? null,
        stream: e.stream,
        line: e.line,
      }))
      .reverse();
  }
}
