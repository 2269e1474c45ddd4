export { createStore } from './open-store.js';
export { listAll } from './list-all.js';
export type { Clock, StoreOptions } from './rules.js';
export { MAX_LEASE_TTL_MS } from './lease-rules.js';
export {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  STORE_BACKENDS,
  type CountOptions,
  type Fence,
  type Lease,
  type LeaseGrant,
  type Leases,
  type ListKey,
  type ListOptions,
  type Page,
  type Store,
  type StoreBackend,
  type StoredRecord,
  type StoreInfo,
  type Where,
  type WriteOptions,
} from './types.js';
export { StoreGate } from './gate.js';
export { SqliteStore } from './sqlite.js';
export { compareAndSet, type Decision } from './compare-and-set.js';
