/** The backends a store URL can select. */
export const STORE_BACKENDS = ['sqlite', 'postgres', 'redis', 'json'] as const;
export type StoreBackend = (typeof STORE_BACKENDS)[number];

/**
 * One stored object. Every record belongs to a tenant and a kind
 * (`task`, `service`, `deployment`, …) and carries a version that starts
 * at 1 and grows by one on every write: a writer names the version it
 * read, and the store refuses the write if another writer got there first.
 */
export interface StoredRecord<T = unknown> {
  tenant: string;
  kind: string;
  id: string;
  version: number;
  /** ISO-8601 time of creation, set by the store. */
  createdAt: string;
  /** ISO-8601 time of the last write, set by the store. */
  updatedAt: string;
  data: T;
}

/**
 * Equality filters on top-level fields of `data`, all of which must match.
 * Types must agree (`true` never matches `1`, nor `"1"` match `1`); `null`
 * also matches a field that is absent. Field names are plain identifiers.
 */
export type Where = Readonly<Record<string, string | number | boolean | null>>;

export interface ListOptions {
  /** Default 100, at most 1000. */
  limit?: number;
  /** The `nextCursor` of the previous page. Opaque. */
  cursor?: string;
  where?: Where;
  /** Order by creation time, then id. Default `asc`. */
  order?: 'asc' | 'desc';
}

export interface Page<T> {
  items: StoredRecord<T>[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export interface StoreInfo {
  backend: StoreBackend;
  /** Where the data lives, with any password hidden. */
  location: string;
  /** Applied migration version (SQL) or format version (Redis, JSON). */
  schemaVersion: number;
  /** The version this build of Codedance expects. */
  latestSchemaVersion: number;
  /** Bytes on disk or in memory, when the backend can tell. */
  sizeBytes: number | null;
  /** Record count per kind, over all tenants. */
  kinds: Record<string, number>;
}

/**
 * The one persistence interface. Each backend is an adapter behind it and
 * passes the same conformance suite. Every call names its tenant, so no
 * query can forget to scope by one.
 *
 * Errors: `AlreadyExistsError` on a duplicate create, `ConflictError` on a
 * stale version, `StoreUnavailableError` when the backend cannot be
 * reached (the caller answers 503 and may retry; nothing is half-written).
 */
export interface Store {
  readonly backend: StoreBackend;
  readonly location: string;
  /** Connects and applies pending migrations. Safe to call again after a failure. */
  open(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
  /** Resolves when the backend answers; rejects with `StoreUnavailableError`. */
  ping(): Promise<void>;
  get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null>;
  create<T>(tenant: string, kind: string, id: string, data: T): Promise<StoredRecord<T>>;
  /** Replaces `data` if the stored version equals `expectedVersion`. */
  update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
  ): Promise<StoredRecord<T>>;
  /**
   * Deletes the record. With `expectedVersion`, only if it still has that
   * version. Returns false when there was nothing to delete.
   */
  delete(tenant: string, kind: string, id: string, expectedVersion?: number): Promise<boolean>;
  list<T>(tenant: string, kind: string, options?: ListOptions): Promise<Page<T>>;
  count(tenant: string, kind: string, where?: Where): Promise<number>;
  info(): Promise<StoreInfo>;
}

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
