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

/** What a list is ordered by: creation time then id (`created`), or id alone (`id`). */
export type ListKey = 'created' | 'id';

export interface ListOptions {
  /** Default 100, at most 1000. */
  limit?: number;
  /** The `nextCursor` of the previous page of the same order. Opaque. */
  cursor?: string;
  where?: Where;
  /** Only records whose id starts with this (compared by code point, case-sensitive). */
  idPrefix?: string;
  /** Default `created`. A cursor is refused by a list of the other key. */
  by?: ListKey;
  /** Default `asc`. */
  order?: 'asc' | 'desc';
  /** Also count every match of `where` and `idPrefix`, whatever the cursor, into `total`. */
  withTotal?: boolean;
}

export interface Page<T> {
  items: StoredRecord<T>[];
  /** Null on the last page. */
  nextCursor: string | null;
  /** Every match, not only this page's: set when `withTotal` asked for it. */
  total?: number;
}

/** Filters of a count, as a list takes them. */
export interface CountOptions {
  idPrefix?: string;
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
 * A writer's proof that it still holds a lease: a write carrying a fence
 * lands only while `lease` is held with exactly this `token`, judged inside
 * the store atomically with the write, by the store's clock. Otherwise the
 * write is refused with `LeaseLostError` (409 `CD_LEASE_LOST`) and nothing
 * changes.
 */
export interface Fence {
  lease: string;
  token: number;
}

/** Options of a single write. */
export interface WriteOptions {
  /** Refuse the write unless this lease is still held with this token. */
  fence?: Fence;
}

/** A named lease as the store holds it. */
export interface Lease {
  name: string;
  /** Who holds it now; null while it is free (never taken, released, or expired). */
  holder: string | null;
  /** The fencing token of the latest grant; 0 when it was never granted. */
  token: number;
  /** ISO-8601 time, by the store's clock, at which the holder loses it; null while free. */
  expiresAt: string | null;
}

/** The answer to `acquire`: the lease as it stands after the call. */
export interface LeaseGrant extends Lease {
  /** True when `holder` now holds it (a new grant or a renewal). */
  acquired: boolean;
}

/**
 * Leases for electing one leader among several servers sharing a store.
 *
 * A holder is a name unique to one process (host, pid and a random part).
 * It calls `acquire` every fraction of the ttl: the first call takes the
 * lease when it is free or expired, later calls renew it. Every grant of a
 * free or expired lease gets a fencing token larger than any before it for
 * that name, kept across restarts; a renewal keeps the token. So a holder
 * that stalled past its ttl, and whose lease passed to another, carries a
 * token the store no longer accepts: it passes it as `fence` on its writes
 * (or checks it with `assertFence`) and they are refused.
 *
 * Expiry is judged by the store's own clock where it has one (PostgreSQL,
 * Redis) and by the process clock otherwise (SQLite, JSON file). Lease names
 * are not scoped by tenant: a lease coordinates servers, which serve every
 * tenant.
 */
export interface Leases {
  /**
   * Takes the lease for `ttlMs` if it is free, expired, or already held by
   * `holder` (a renewal: same token, later expiry). Otherwise leaves it and
   * answers `acquired: false` with the current holder.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant>;
  /** Frees the lease if `holder` holds it; true when it did. The token is kept. */
  release(name: string, holder: string): Promise<boolean>;
  read(name: string): Promise<Lease>;
  /** Resolves while the lease is held with `fence.token`; rejects with `LeaseLostError` otherwise. */
  assertFence(fence: Fence): Promise<void>;
}

/**
 * The one persistence interface. Each backend is an adapter behind it and
 * passes the same conformance suite. Every call names its tenant, so no
 * query can forget to scope by one.
 *
 * Errors: `AlreadyExistsError` on a duplicate create, `ConflictError` on a
 * stale version, `LeaseLostError` on a write whose fence no longer holds,
 * `StoreUnavailableError` when the backend cannot be reached (the caller
 * answers 503 and may retry; nothing is half-written).
 */
export interface Store {
  readonly backend: StoreBackend;
  readonly location: string;
  readonly leases: Leases;
  /** Connects and applies pending migrations. Safe to call again after a failure. */
  open(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
  /** Resolves when the backend answers; rejects with `StoreUnavailableError`. */
  ping(): Promise<void>;
  get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null>;
  create<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>>;
  /** Replaces `data` if the stored version equals `expectedVersion`. */
  update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>>;
  /**
   * Deletes the record. With `expectedVersion`, only if it still has that
   * version. Returns false when there was nothing to delete.
   */
  delete(
    tenant: string,
    kind: string,
    id: string,
    expectedVersion?: number,
    options?: WriteOptions,
  ): Promise<boolean>;
  list<T>(tenant: string, kind: string, options?: ListOptions): Promise<Page<T>>;
  count(tenant: string, kind: string, where?: Where, options?: CountOptions): Promise<number>;
  info(): Promise<StoreInfo>;
}

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
