import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AlreadyExistsError, ConflictError, StoreUnavailableError } from '@codedance/core';
import {
  acquireLock,
  releaseLock,
  removeLeftovers,
  replaceFile,
  syncFolder,
  writeAndSync,
  type DurableWrite,
} from './json-file.js';
import { JSON_FORMAT_VERSION, formatFile, parseFile, type Entry } from './json-format.js';
import { JsonLeases, assertJsonFence, type LeaseChange } from './json-leases.js';
import type { LeaseRow } from './lease-rules.js';
import {
  assertKey,
  comparePositions,
  idRange,
  inIdRange,
  isAfterCursor,
  matchesWhere,
  notOpen,
  planCount,
  planCreate,
  planList,
  planUpdate,
  sharedAttempt,
  staleUpdate,
  systemClock,
  toPage,
  type Clock,
  type IdRange,
  type StoreOptions,
  type WhereEntry,
} from './rules.js';
import type {
  CountOptions,
  Fence,
  Leases,
  ListOptions,
  Page,
  Store,
  StoredRecord,
  StoreInfo,
  Where,
  WriteOptions,
} from './types.js';

export interface JsonStoreOptions extends StoreOptions {
  /** The data file; its folder is created when missing. */
  path: string;
  /** What `location` reports; defaults to `json:<path>`. */
  location?: string;
  /** Writes and flushes the temporary file of each save; replaceable to simulate a failing disk. */
  write?: DurableWrite;
}

/** One pending change of a record: the entry to put under its key, or null to remove it. */
interface RecordChange {
  group: string;
  id: string;
  entry: Entry | null;
}

/** One pending change: of a record or of a lease. */
type Change = { record: RecordChange } | { lease: LeaseChange };

/** Everything the store holds, in memory. */
interface State {
  groups: Map<string, Map<string, Entry>>;
  leases: Map<string, LeaseRow>;
}

function groupKey(tenant: string, kind: string): string {
  return JSON.stringify([tenant, kind]);
}

function toRecord<T>(entry: Entry): StoredRecord<T> {
  return { ...entry, data: JSON.parse(entry.data) as T };
}

/**
 * The JSON-file backend: everything in memory, the whole file rewritten
 * atomically on every change. For small installations and tests.
 */
export class JsonStore implements Store {
  readonly backend = 'json' as const;
  readonly location: string;
  readonly #path: string;
  readonly #clock: Clock;
  readonly #write: DurableWrite;
  #data: State | null = null;
  /** Every save waits for the one before, so two writes never interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: JsonStoreOptions) {
    this.#path = options.path;
    this.location = options.location ?? `json:${options.path}`;
    this.#clock = options.clock ?? systemClock;
    this.#write = options.write ?? writeAndSync;
    this.leases = new JsonLeases(
      {
        read: (work) => this.#read(() => work(this.#state().leases)),
        mutate: (decide) =>
          this.#mutate(() => {
            const { lease, result } = decide(this.#state().leases);
            return { change: lease ? { lease } : null, result };
          }),
      },
      this.#clock,
    );
  }

  readonly leases: Leases;

  readonly open = sharedAttempt(() => this.#open());

  async #open(): Promise<void> {
    if (this.#data) return;
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    await acquireLock(this.#path);
    try {
      await removeLeftovers(this.#path);
      const text = await readFile(this.#path, 'utf8').catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      });
      const content = text === null ? null : parseFile(this.#path, text);
      const groups = new Map<string, Map<string, Entry>>();
      for (const entry of content?.entries ?? []) {
        const key = groupKey(entry.tenant, entry.kind);
        const group = groups.get(key) ?? new Map<string, Entry>();
        groups.set(key, group.set(entry.id, entry));
      }
      const state: State = { groups, leases: content?.leases ?? new Map<string, LeaseRow>() };
      if (text === null) {
        await this.#save(state, null);
        await this.#flush();
      }
      this.#data = state;
    } catch (error) {
      await releaseLock(this.#path);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.#data) return;
    await this.#queue;
    this.#data = null;
    await releaseLock(this.#path);
  }

  ping(): Promise<void> {
    return this.#data ? Promise.resolve() : Promise.reject(notOpen(this.backend));
  }

  get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null> {
    return this.#read(() => {
      assertKey(tenant, kind, id);
      const entry = this.#entry(tenant, kind, id);
      return entry ? toRecord<T>(entry) : null;
    });
  }

  create<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    return this.#mutateRecord(options?.fence, () => {
      const { text, createdAt, updatedAt } = planCreate(this.#clock, { tenant, kind, id }, data);
      if (this.#entry(tenant, kind, id)) throw new AlreadyExistsError(kind, id);
      const entry: Entry = { tenant, kind, id, version: 1, createdAt, updatedAt, data: text };
      return { change: { group: groupKey(tenant, kind), id, entry }, result: toRecord<T>(entry) };
    });
  }

  update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    return this.#mutateRecord(options?.fence, () => {
      const { text, updatedAt } = planUpdate(this.#clock, { tenant, kind, id }, data);
      const current = this.#entry(tenant, kind, id);
      if (current?.version !== expectedVersion) {
        throw staleUpdate(kind, id, expectedVersion, current?.version ?? null);
      }
      const entry: Entry = { ...current, version: current.version + 1, updatedAt, data: text };
      return { change: { group: groupKey(tenant, kind), id, entry }, result: toRecord<T>(entry) };
    });
  }

  delete(
    tenant: string,
    kind: string,
    id: string,
    expectedVersion?: number,
    options?: WriteOptions,
  ): Promise<boolean> {
    return this.#mutateRecord(options?.fence, () => {
      assertKey(tenant, kind, id);
      const current = this.#entry(tenant, kind, id);
      if (!current) return { change: null, result: false };
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new ConflictError(kind, id, expectedVersion, current.version);
      }
      return { change: { group: groupKey(tenant, kind), id, entry: null }, result: true };
    });
  }

  list<T>(tenant: string, kind: string, options: ListOptions = {}): Promise<Page<T>> {
    return this.#read(() => {
      const { limit, cursor, where, ids, by, order, withTotal } = planList(tenant, kind, options);
      const sign = order === 'asc' ? 1 : -1;
      const key = (r: StoredRecord<T>) => ({
        createdAt: by === 'id' ? null : r.createdAt,
        id: r.id,
      });
      const matching = this.#matching<T>(tenant, kind, where, ids);
      const rows = matching
        .filter((record) => isAfterCursor(key(record), cursor, order))
        .sort((a, b) => sign * comparePositions(key(a), key(b)))
        .slice(0, limit + 1);
      return toPage(rows, limit, by, withTotal ? matching.length : undefined);
    });
  }

  count(tenant: string, kind: string, where?: Where, options: CountOptions = {}): Promise<number> {
    return this.#read(() => {
      const entries = planCount(tenant, kind, where);
      return this.#matching(tenant, kind, entries, idRange(options.idPrefix)).length;
    });
  }

  async info(): Promise<StoreInfo> {
    const kinds = await this.#read(() => {
      const counts: Record<string, number> = {};
      for (const group of this.#state().groups.values()) {
        for (const entry of group.values()) counts[entry.kind] = (counts[entry.kind] ?? 0) + 1;
      }
      return counts;
    });
    const size = await stat(this.#path).catch(() => null);
    return {
      backend: this.backend,
      location: this.location,
      schemaVersion: JSON_FORMAT_VERSION,
      latestSchemaVersion: JSON_FORMAT_VERSION,
      sizeBytes: size?.size ?? null,
      kinds,
    };
  }

  #state(): State {
    if (!this.#data) throw notOpen(this.backend);
    return this.#data;
  }

  #entry(tenant: string, kind: string, id: string): Entry | undefined {
    return this.#state().groups.get(groupKey(tenant, kind))?.get(id);
  }

  #matching<T>(
    tenant: string,
    kind: string,
    where: WhereEntry[],
    ids: IdRange | null,
  ): StoredRecord<T>[] {
    const group = this.#state().groups.get(groupKey(tenant, kind));
    return [...(group?.values() ?? [])]
      .map((e) => toRecord<T>(e))
      .filter((r) => inIdRange(r.id, ids) && matchesWhere(r.data, where));
  }

  #read<R>(work: () => R): Promise<R> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A record write; with a fence, decided only once the fence is seen to hold. */
  #mutateRecord<R>(
    fence: Fence | undefined,
    decide: () => { change: RecordChange | null; result: R },
  ): Promise<R> {
    return this.#mutate(() => {
      if (fence !== undefined) {
        assertJsonFence(this.#state().leases, fence, this.#clock().getTime());
      }
      const { change, result } = decide();
      return { change: change ? { record: change } : null, result };
    });
  }

  /**
   * Decides a change against the current state, saves the state with the
   * change applied, and only then applies it in memory: a failed save leaves
   * both the file and the memory as they were.
   */
  #mutate<R>(decide: () => { change: Change | null; result: R }): Promise<R> {
    const run = async (): Promise<R> => {
      const { change, result } = decide();
      if (change) {
        const state = this.#state();
        await this.#save(state, change);
        apply(state, change);
        await this.#flush();
      }
      return result;
    };
    const done = this.#queue.then(run, run);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  async #save({ groups, leases }: State, change: Change | null): Promise<void> {
    const record = change && 'record' in change ? change.record : null;
    const entries: Entry[] = [];
    for (const [key, group] of groups) {
      for (const [id, entry] of group) {
        if (!(record && key === record.group && id === record.id)) entries.push(entry);
      }
    }
    if (record?.entry) entries.push(record.entry);
    const rows = new Map(leases);
    if (change && 'lease' in change) rows.set(change.lease.name, change.lease.row);
    const text = formatFile(entries, rows);
    try {
      await replaceFile(this.#path, text, this.#write);
    } catch (error) {
      throw new StoreUnavailableError('json', error);
    }
  }

  /**
   * Makes the last rename durable. It runs after the change is applied in
   * memory: the new file is already in place, so memory must follow it even
   * when this flush fails and the caller hears of it.
   */
  async #flush(): Promise<void> {
    try {
      await syncFolder(dirname(this.#path));
    } catch (error) {
      throw new StoreUnavailableError('json', error);
    }
  }
}

/** Applies a saved change to the state in memory. */
function apply({ groups, leases }: State, change: Change): void {
  if ('lease' in change) {
    leases.set(change.lease.name, change.lease.row);
    return;
  }
  const { group: key, id, entry } = change.record;
  const group = groups.get(key) ?? new Map<string, Entry>();
  if (entry) groups.set(key, group.set(id, entry));
  else if (group.delete(id) && group.size === 0) groups.delete(key);
}
