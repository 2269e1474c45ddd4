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
import { JSON_FORMAT_VERSION, formatFile, parseEntries, type Entry } from './json-format.js';
import {
  assertKey,
  comparePositions,
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
  type StoreOptions,
  type WhereEntry,
} from './rules.js';
import type { ListOptions, Page, Store, StoredRecord, StoreInfo, Where } from './types.js';

export interface JsonStoreOptions extends StoreOptions {
  /** The data file; its folder is created when missing. */
  path: string;
  /** What `location` reports; defaults to `json:<path>`. */
  location?: string;
  /** Writes and flushes the temporary file of each save; replaceable to simulate a failing disk. */
  write?: DurableWrite;
}

/** One pending change: the entry to put under its key, or null to remove it. */
interface Change {
  group: string;
  id: string;
  entry: Entry | null;
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
  #groups: Map<string, Map<string, Entry>> | null = null;
  /** Every save waits for the one before, so two writes never interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: JsonStoreOptions) {
    this.#path = options.path;
    this.location = options.location ?? `json:${options.path}`;
    this.#clock = options.clock ?? systemClock;
    this.#write = options.write ?? writeAndSync;
  }

  readonly open = sharedAttempt(() => this.#open());

  async #open(): Promise<void> {
    if (this.#groups) return;
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    await acquireLock(this.#path);
    try {
      await removeLeftovers(this.#path);
      const text = await readFile(this.#path, 'utf8').catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      });
      const groups = new Map<string, Map<string, Entry>>();
      for (const entry of text === null ? [] : parseEntries(this.#path, text)) {
        const key = groupKey(entry.tenant, entry.kind);
        const group = groups.get(key) ?? new Map<string, Entry>();
        groups.set(key, group.set(entry.id, entry));
      }
      if (text === null) {
        await this.#save(groups, null);
        await this.#flush();
      }
      this.#groups = groups;
    } catch (error) {
      await releaseLock(this.#path);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.#groups) return;
    await this.#queue;
    this.#groups = null;
    await releaseLock(this.#path);
  }

  ping(): Promise<void> {
    return this.#groups ? Promise.resolve() : Promise.reject(notOpen(this.backend));
  }

  get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null> {
    return this.#read(() => {
      assertKey(tenant, kind, id);
      const entry = this.#entry(tenant, kind, id);
      return entry ? toRecord<T>(entry) : null;
    });
  }

  create<T>(tenant: string, kind: string, id: string, data: T): Promise<StoredRecord<T>> {
    return this.#mutate(() => {
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
  ): Promise<StoredRecord<T>> {
    return this.#mutate(() => {
      const { text, updatedAt } = planUpdate(this.#clock, { tenant, kind, id }, data);
      const current = this.#entry(tenant, kind, id);
      if (current?.version !== expectedVersion) {
        throw staleUpdate(kind, id, expectedVersion, current?.version ?? null);
      }
      const entry: Entry = { ...current, version: current.version + 1, updatedAt, data: text };
      return { change: { group: groupKey(tenant, kind), id, entry }, result: toRecord<T>(entry) };
    });
  }

  delete(tenant: string, kind: string, id: string, expectedVersion?: number): Promise<boolean> {
    return this.#mutate(() => {
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
      const { limit, cursor, where, order } = planList(tenant, kind, options);
      const sign = order === 'asc' ? 1 : -1;
      const rows = this.#matching<T>(tenant, kind, where)
        .filter((record) => isAfterCursor(record, cursor, order))
        .sort((a, b) => sign * comparePositions(a, b))
        .slice(0, limit + 1);
      return toPage(rows, limit);
    });
  }

  count(tenant: string, kind: string, where?: Where): Promise<number> {
    return this.#read(() => {
      return this.#matching(tenant, kind, planCount(tenant, kind, where)).length;
    });
  }

  async info(): Promise<StoreInfo> {
    const kinds = await this.#read(() => {
      const counts: Record<string, number> = {};
      for (const group of this.#state().values()) {
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

  #state(): Map<string, Map<string, Entry>> {
    if (!this.#groups) throw notOpen(this.backend);
    return this.#groups;
  }

  #entry(tenant: string, kind: string, id: string): Entry | undefined {
    return this.#state().get(groupKey(tenant, kind))?.get(id);
  }

  #matching<T>(tenant: string, kind: string, where: WhereEntry[]): StoredRecord<T>[] {
    const group = this.#state().get(groupKey(tenant, kind));
    return [...(group?.values() ?? [])]
      .map((e) => toRecord<T>(e))
      .filter((r) => matchesWhere(r.data, where));
  }

  #read<R>(work: () => R): Promise<R> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
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
        const groups = this.#state();
        await this.#save(groups, change);
        const group = groups.get(change.group) ?? new Map<string, Entry>();
        if (change.entry) groups.set(change.group, group.set(change.id, change.entry));
        else if (group.delete(change.id) && group.size === 0) groups.delete(change.group);
        await this.#flush();
      }
      return result;
    };
    const done = this.#queue.then(run, run);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  async #save(groups: Map<string, Map<string, Entry>>, change: Change | null): Promise<void> {
    const entries: Entry[] = [];
    for (const [key, group] of groups) {
      for (const [id, entry] of group) {
        if (!(change && key === change.group && id === change.id)) entries.push(entry);
      }
    }
    if (change?.entry) entries.push(change.entry);
    const text = formatFile(entries);
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
