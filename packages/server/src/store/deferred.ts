import { notOpen } from './rules.js';
import type {
  CountOptions,
  Fence,
  Lease,
  LeaseGrant,
  Leases,
  ListOptions,
  Page,
  Store,
  StoreBackend,
  StoredRecord,
  StoreInfo,
  Where,
  WriteOptions,
} from './types.js';

/**
 * A store whose adapter module is loaded by `open()`. The PostgreSQL and
 * Redis client libraries cost about 40 MB of memory together; a server on
 * SQLite (the default) should not carry them.
 */
export class DeferredStore implements Store {
  #inner: Store | null = null;
  #loading: Promise<Store> | null = null;

  constructor(
    readonly backend: StoreBackend,
    readonly location: string,
    private readonly load: () => Promise<Store>,
  ) {}

  async open(): Promise<void> {
    this.#loading ??= this.load();
    try {
      this.#inner = await this.#loading;
    } catch (error) {
      this.#loading = null;
      throw error;
    }
    await this.#inner.open();
  }

  close(): Promise<void> {
    return this.#inner ? this.#inner.close() : Promise.resolve();
  }

  // Methods are async so that a call before open() rejects, as the Store contract promises,
  // instead of throwing synchronously.
  #store(): Store {
    if (!this.#inner) throw notOpen(this.backend);
    return this.#inner;
  }

  async ping(): Promise<void> {
    return this.#store().ping();
  }

  async get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null> {
    return this.#store().get<T>(tenant, kind, id);
  }

  readonly leases: Leases = {
    acquire: async (name: string, holder: string, ttlMs: number): Promise<LeaseGrant> =>
      this.#store().leases.acquire(name, holder, ttlMs),
    release: async (name: string, holder: string): Promise<boolean> =>
      this.#store().leases.release(name, holder),
    read: async (name: string): Promise<Lease> => this.#store().leases.read(name),
    assertFence: async (fence: Fence): Promise<void> => this.#store().leases.assertFence(fence),
  };

  async create<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    return this.#store().create(tenant, kind, id, data, options);
  }

  async update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    return this.#store().update(tenant, kind, id, data, expectedVersion, options);
  }

  async delete(
    tenant: string,
    kind: string,
    id: string,
    expectedVersion?: number,
    options?: WriteOptions,
  ): Promise<boolean> {
    return this.#store().delete(tenant, kind, id, expectedVersion, options);
  }

  async list<T>(tenant: string, kind: string, options?: ListOptions): Promise<Page<T>> {
    return this.#store().list<T>(tenant, kind, options);
  }

  async count(
    tenant: string,
    kind: string,
    where?: Where,
    options?: CountOptions,
  ): Promise<number> {
    return this.#store().count(tenant, kind, where, options);
  }

  async info(): Promise<StoreInfo> {
    return this.#store().info();
  }
}
