export { createStore } from './open-store.js';
export { listAll } from './list-all.js';
export type { Clock, StoreOptions } from './rules.js';
export {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  STORE_BACKENDS,
  type ListOptions,
  type Page,
  type Store,
  type StoreBackend,
  type StoredRecord,
  type StoreInfo,
  type Where,
} from './types.js';
