import type { InstanceState } from '@codedance/core';
import type { TenantStore } from '../store/index.js';
import { SERVICE_INSTANCE_KIND, instanceRecordId, type InstanceData } from './records.js';

/** States in which a rolling restart stops waiting: the instance is ready, or will not be soon. */
const SETTLED = new Set<InstanceState>([
  'online',
  'unready',
  'backoff',
  'crashloop',
  'errored',
  'stopped',
]);

/**
 * The stored record of one instance and the one writer of it. Writes are
 * serialised, so each names the version the previous one made; a failed
 * write leaves the version where it was and the next write carries the data.
 */
export class InstanceRecord {
  private data: InstanceData;
  private writes: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Set<(state: InstanceState) => void>();

  constructor(
    data: InstanceData,
    private version: number,
    private readonly store: TenantStore,
    /** Told after the state or the pid changed. */
    private readonly changed: (previous: InstanceState) => void,
  ) {
    this.data = data;
  }

  get(): InstanceData {
    return this.data;
  }

  /** Changes the record in memory; `save()` or `setState()` writes it. */
  patch(patch: Partial<InstanceData>): void {
    this.data = { ...this.data, ...patch };
  }

  replace(data: InstanceData): void {
    this.data = data;
  }

  /** Moves to `state` (with `patch`), tells the supervisor, wakes waiters, and writes. */
  async setState(state: InstanceState, patch: Partial<InstanceData> = {}): Promise<void> {
    const previous = this.data.state;
    const previousPid = this.data.pid;
    this.data = { ...this.data, ...patch, state };
    if (previous !== state || previousPid !== this.data.pid) this.changed(previous);
    if (SETTLED.has(state)) this.wake();
    await this.save();
  }

  /** Resolves with the state once the instance is ready, or clearly will not be soon. */
  settled(): Promise<InstanceState> {
    if (SETTLED.has(this.data.state)) return Promise.resolve(this.data.state);
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  /** Resolves every `settled()` waiting now with the current state. */
  wake(): void {
    for (const resolve of this.waiters) resolve(this.data.state);
    this.waiters.clear();
  }

  save(): Promise<void> {
    const write = this.writes.then(async () => {
      const store = this.store();
      const id = instanceRecordId(this.data.service, this.data.instance);
      const snapshot = { ...this.data };
      const saved =
        this.version === 0
          ? await store.create(this.store.tenant, SERVICE_INSTANCE_KIND, id, snapshot)
          : await store.update(
              this.store.tenant,
              SERVICE_INSTANCE_KIND,
              id,
              snapshot,
              this.version,
            );
      this.version = saved.version;
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Deletes the record once the writes in flight are done. */
  async delete(): Promise<void> {
    await this.writes;
    if (this.version === 0) return;
    const id = instanceRecordId(this.data.service, this.data.instance);
    await this.store().delete(this.store.tenant, SERVICE_INSTANCE_KIND, id);
  }
}
