/**
 * One value per tenant, made on first use and started once: the workload
 * controllers of each tenant, so two tenants' tasks, services and apps of
 * the same name live in separate maps, timers and queues. Concurrent first
 * uses of a tenant share one start.
 */
export class TenantScopes<T> {
  readonly #make: (tenant: string) => T;
  readonly #start: (value: T, tenant: string) => Promise<void>;
  readonly #ready = new Map<string, T>();
  /** Made but not started yet, or whose start failed: a retry starts the same value again. */
  readonly #made = new Map<string, T>();
  readonly #starting = new Map<string, Promise<T>>();

  constructor(make: (tenant: string) => T, start: (value: T, tenant: string) => Promise<void>) {
    this.#make = make;
    this.#start = start;
  }

  /** The started value of a tenant; undefined until `ensure` has finished for it. */
  get(tenant: string): T | undefined {
    return this.#ready.get(tenant);
  }

  /**
   * The tenant's value, made and started if it was not yet. A failed start
   * is tried again next time on the same value (its start must be
   * idempotent), so nothing it set going is left behind.
   */
  ensure(tenant: string): Promise<T> {
    const ready = this.#ready.get(tenant);
    if (ready !== undefined) return Promise.resolve(ready);
    let starting = this.#starting.get(tenant);
    if (starting === undefined) {
      const value = this.#made.get(tenant) ?? this.#make(tenant);
      this.#made.set(tenant, value);
      starting = this.#start(value, tenant)
        .then(() => {
          this.#made.delete(tenant);
          this.#ready.set(tenant, value);
          return value;
        })
        .finally(() => this.#starting.delete(tenant));
      this.#starting.set(tenant, starting);
    }
    return starting;
  }

  /** The tenants whose value has started, sorted. */
  tenants(): string[] {
    return [...this.#ready.keys()].sort();
  }

  /** Every started value with its tenant. */
  entries(): [string, T][] {
    return [...this.#ready.entries()];
  }

  /** Waits for starts in flight, then answers every value made, started or not (to close them). */
  async drain(): Promise<T[]> {
    await Promise.allSettled([...this.#starting.values()]);
    return [...this.#ready.values(), ...this.#made.values()];
  }
}
