import { Redis } from 'ioredis';
import {
  AlreadyExistsError,
  CodedanceError,
  ConflictError,
  StoreUnavailableError,
} from '@codedance/core';
import {
  REDIS_FORMAT_VERSION,
  RECORD_FIELDS,
  RedisKeys,
  defineScripts,
  fromHash,
  indexMember,
  memberId,
  parseRedisUrl,
  type ScriptedRedis,
} from './redis-layout.js';
import { RedisLeases, fenced } from './redis-leases.js';
import {
  assertKey,
  assertKnownSchema,
  idRange,
  inIdRange,
  matchesWhere,
  notOpen,
  planCount,
  planCreate,
  planList,
  planUpdate,
  sharedAttempt,
  staleUpdate,
  storeLocation,
  systemClock,
  toPage,
  type Clock,
  type IdRange,
  type ListPlan,
  type StoreOptions,
  type WhereEntry,
} from './rules.js';
import { checkFence } from './lease-rules.js';
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

export interface RedisStoreOptions extends StoreOptions {
  /** A `redis://` or `rediss://` URL; may carry `?prefix=<p>` for all keys (default `codedance:`). */
  url: string;
  /** How long to wait for a connection before answering 503; default 3000 ms. */
  connectTimeoutMs?: number;
}

/** Replies that mean the server is there but cannot serve now. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)/;

/** The Redis backend: a hash per record and a lex-ordered index per (tenant, kind). */
export class RedisStore implements Store {
  readonly backend = 'redis' as const;
  readonly location: string;
  readonly #url: string;
  readonly #keys: RedisKeys;
  readonly #clock: Clock;
  readonly #options: RedisStoreOptions;
  readonly leases: Leases;
  #redis: ScriptedRedis | null = null;
  #lastError: Error | null = null;

  constructor(options: RedisStoreOptions) {
    const { url, prefix } = parseRedisUrl(options.url);
    this.#url = url;
    this.#keys = new RedisKeys(prefix);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.location = storeLocation(options.url);
    this.leases = new RedisLeases((work) => this.#call(work), this.#keys);
  }

  readonly open = sharedAttempt(() => this.#open());

  async #open(): Promise<void> {
    if (this.#redis) return;
    const redis = this.#createClient();
    try {
      await redis.connect();
      const schemaKey = this.#keys.schema();
      await redis.set(schemaKey, REDIS_FORMAT_VERSION, 'NX');
      const found = Number(await redis.get(schemaKey));
      assertKnownSchema(this.backend, this.location, found, REDIS_FORMAT_VERSION);
      if (found < 2) await this.#indexIds(redis);
      if (found < REDIS_FORMAT_VERSION) await redis.set(schemaKey, REDIS_FORMAT_VERSION);
    } catch (error) {
      redis.disconnect();
      throw this.#toError(error, redis);
    }
    this.#redis = redis;
  }

  async close(): Promise<void> {
    const redis = this.#redis;
    this.#redis = null;
    if (!redis) return;
    if (redis.status !== 'ready') {
      redis.disconnect();
      return;
    }
    await redis.quit().catch(() => {
      redis.disconnect();
    });
  }

  async ping(): Promise<void> {
    await this.#call((redis) => redis.ping());
  }

  async get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null> {
    assertKey(tenant, kind, id);
    const [record] = await this.#fetch<T>(tenant, kind, [id]);
    return record ?? null;
  }

  async create<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    const { text, createdAt, updatedAt } = planCreate(this.#clock, { tenant, kind, id }, data);
    const keys = [
      this.#keys.record(tenant, kind, id),
      this.#keys.index(tenant, kind),
      this.#keys.kinds(),
      this.#keys.ids(tenant, kind),
    ] as const;
    const args = [kind, indexMember(createdAt, id), createdAt, text, id] as const;
    const created = await this.#write(options?.fence, (redis, fence) =>
      fence
        ? redis.cdCreateFenced(...keys, this.#keys.lease(fence.lease), ...args, fence.token)
        : redis.cdCreate(...keys, ...args),
    );
    if (created === 0) throw new AlreadyExistsError(kind, id);
    return { tenant, kind, id, version: 1, createdAt, updatedAt, data: JSON.parse(text) as T };
  }

  async update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    const { text, updatedAt } = planUpdate(this.#clock, { tenant, kind, id }, data);
    const record = this.#keys.record(tenant, kind, id);
    const args = [expectedVersion, updatedAt, text] as const;
    const reply = await this.#write(options?.fence, (redis, fence) =>
      fence
        ? redis.cdUpdateFenced(record, this.#keys.lease(fence.lease), ...args, fence.token)
        : redis.cdUpdate(record, ...args),
    );
    if (reply[0] === 1) {
      const [, version, createdAt] = reply;
      return { tenant, kind, id, version, createdAt, updatedAt, data: JSON.parse(text) as T };
    }
    throw staleUpdate(kind, id, expectedVersion, reply[0] === 0 ? null : reply[1]);
  }

  async delete(
    tenant: string,
    kind: string,
    id: string,
    expectedVersion?: number,
    options?: WriteOptions,
  ): Promise<boolean> {
    assertKey(tenant, kind, id);
    const keys = [
      this.#keys.record(tenant, kind, id),
      this.#keys.index(tenant, kind),
      this.#keys.kinds(),
      this.#keys.ids(tenant, kind),
    ] as const;
    const args = [kind, id, expectedVersion === undefined ? '' : String(expectedVersion)] as const;
    const reply = await this.#write(options?.fence, (redis, fence) =>
      fence
        ? redis.cdDeleteFenced(...keys, this.#keys.lease(fence.lease), ...args, fence.token)
        : redis.cdDelete(...keys, ...args),
    );
    if (reply[0] === -1) throw new ConflictError(kind, id, expectedVersion ?? 0, reply[1]);
    return reply[0] === 1;
  }

  async list<T>(tenant: string, kind: string, options: ListOptions = {}): Promise<Page<T>> {
    const plan = planList(tenant, kind, options);
    const [rows, total] = await Promise.all([
      this.#scan<T>(tenant, kind, plan, plan.limit + 1),
      plan.withTotal ? this.#count(tenant, kind, plan.where, plan.ids) : undefined,
    ]);
    return toPage(rows, plan.limit, plan.by, total);
  }

  async count(
    tenant: string,
    kind: string,
    where?: Where,
    options: CountOptions = {},
  ): Promise<number> {
    const entries = planCount(tenant, kind, where);
    return await this.#count(tenant, kind, entries, idRange(options.idPrefix));
  }

  /** Counts from the indexes alone unless `where` needs each record read. */
  async #count(
    tenant: string,
    kind: string,
    where: WhereEntry[],
    ids: IdRange | null,
  ): Promise<number> {
    if (where.length === 0 && ids === null) {
      return this.#call((redis) => redis.zcard(this.#keys.index(tenant, kind)));
    }
    if (where.length === 0 && ids?.to != null) {
      const { from, to } = ids;
      return this.#call((redis) =>
        redis.zlexcount(this.#keys.ids(tenant, kind), `[${from}`, `(${to}`),
      );
    }
    const plan = { order: 'asc', by: 'id', cursor: null, where, ids } as const;
    return (await this.#scan(tenant, kind, plan, Infinity)).length;
  }

  async info(): Promise<StoreInfo> {
    const [schema, kinds, sizeBytes] = await this.#call((redis) =>
      Promise.all([
        redis.get(this.#keys.schema()),
        redis.hgetall(this.#keys.kinds()),
        this.#memoryUsage(redis),
      ]),
    );
    return {
      backend: this.backend,
      location: this.location,
      schemaVersion: Number(schema ?? 0),
      latestSchemaVersion: REDIS_FORMAT_VERSION,
      sizeBytes,
      kinds: Object.fromEntries(Object.entries(kinds).map(([kind, n]) => [kind, Number(n)])),
    };
  }

  /**
   * Walks an index (by id, or by creation) from just after the cursor in
   * batches, keeping records that match `where` and the id range, until
   * `wanted` are found or the index ends.
   */
  async #scan<T>(
    tenant: string,
    kind: string,
    plan: Pick<ListPlan, 'order' | 'by' | 'cursor' | 'where' | 'ids'>,
    wanted: number,
  ): Promise<StoredRecord<T>[]> {
    const { order, by, cursor, where, ids } = plan;
    const byId = by === 'id';
    const index = byId ? this.#keys.ids(tenant, kind) : this.#keys.index(tenant, kind);
    const filtered = where.length > 0 || (ids !== null && !byId);
    const batch = filtered ? 500 : Math.min(wanted, 1000);
    // Bounds in the index's own terms; by id, the prefix is a lex range.
    const low = byId && ids ? `[${ids.from}` : '-';
    const high = byId && ids?.to != null ? `(${ids.to}` : '+';
    const position = cursor
      ? `(${cursor.createdAt === null ? cursor.id : indexMember(cursor.createdAt, cursor.id)}`
      : null;
    const found: StoredRecord<T>[] = [];
    let from = position ?? (order === 'asc' ? low : high);
    while (found.length < wanted) {
      const start = from;
      const members = await this.#call((redis) =>
        order === 'asc'
          ? redis.zrangebylex(index, start, high, 'LIMIT', 0, batch)
          : redis.zrevrangebylex(index, start, low, 'LIMIT', 0, batch),
      );
      const records = await this.#fetch<T>(tenant, kind, byId ? members : members.map(memberId));
      for (const record of records) {
        if (
          found.length < wanted &&
          inIdRange(record.id, ids) &&
          matchesWhere(record.data, where)
        ) {
          found.push(record);
        }
      }
      const last = members[members.length - 1];
      if (members.length < batch || last === undefined) break;
      from = `(${last}`;
    }
    return found;
  }

  /** Builds the id index of every kind from its creation index (layout 1 had none). */
  async #indexIds(redis: Redis): Promise<void> {
    let cursor = '0';
    do {
      const [next, indexes] = await redis.scan(
        cursor,
        'MATCH',
        this.#keys.indexPattern(),
        'COUNT',
        1000,
      );
      cursor = next;
      for (const index of indexes) {
        const members = await redis.zrange(index, 0, -1);
        if (members.length === 0) continue;
        const ids = this.#keys.idsOfIndex(index);
        await redis.zadd(ids, ...members.flatMap((member) => [0, memberId(member)]));
      }
    } while (cursor !== '0');
  }

  /** Reads records by id in one round trip; ids deleted meanwhile are left out. */
  async #fetch<T>(tenant: string, kind: string, ids: string[]): Promise<StoredRecord<T>[]> {
    if (ids.length === 0) return [];
    const replies = await this.#call(async (redis) => {
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hmget(this.#keys.record(tenant, kind, id), ...RECORD_FIELDS);
      return (await pipeline.exec()) ?? [];
    });
    return replies.flatMap(([error, fields], i) => {
      if (error) throw this.#toError(error, this.#redis);
      const record = fromHash<T>({ tenant, kind, id: ids[i] ?? '' }, fields as (string | null)[]);
      return record ? [record] : [];
    });
  }

  /** Sums MEMORY USAGE over this store's keys; null where the server does not offer it. */
  async #memoryUsage(redis: Redis): Promise<number | null> {
    const pattern = this.#keys.pattern();
    let total = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.memory('USAGE', key);
      for (const [error, bytes] of (await pipeline.exec()) ?? []) {
        if (error) return null;
        total += Number(bytes ?? 0);
      }
    } while (cursor !== '0');
    return total;
  }

  #createClient(): ScriptedRedis {
    const redis = new Redis(this.#url, {
      lazyConnect: true,
      connectTimeout: this.#options.connectTimeoutMs ?? 3000,
      // Fail fast while disconnected rather than queue: the caller answers 503.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // A reply lost in a broken connection may have been applied; resending a
      // write could apply it twice, so the caller sees the failure instead.
      autoResendUnfulfilledCommands: false,
      // A connection that is open but silent must not hang a request.
      commandTimeout: 5000,
      // Never give up: the store comes back by itself once Redis does.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    });
    redis.on('error', (error: Error) => {
      this.#lastError = error;
      this.#options.onError?.(error);
    });
    redis.on('ready', () => {
      this.#lastError = null;
    });
    return defineScripts(redis);
  }

  /** Runs a write script, or its fenced variant when a fence is given. */
  async #write<R>(
    fence: Fence | undefined,
    work: (redis: ScriptedRedis, fence: Fence | undefined) => Promise<R>,
  ): Promise<R> {
    if (fence === undefined) return this.#call((redis) => work(redis, undefined));
    checkFence(fence);
    return fenced(fence, () => this.#call((redis) => work(redis, fence)));
  }

  async #call<R>(work: (redis: ScriptedRedis) => Promise<R>): Promise<R> {
    const redis = this.#redis;
    if (!redis) throw notOpen(this.backend);
    try {
      return await work(redis);
    } catch (error) {
      throw this.#toError(error, redis);
    }
  }

  /** Redis' own error replies are bugs unless transient; every other failure is the connection. */
  #toError(error: unknown, redis: Redis | null): Error {
    if (error instanceof CodedanceError) return error;
    const reply = error instanceof Error && error.name === 'ReplyError';
    if (reply && !TRANSIENT_REPLY.test(error.message) && redis?.status === 'ready') return error;
    return new StoreUnavailableError('redis', this.#lastError ?? error);
  }
}
