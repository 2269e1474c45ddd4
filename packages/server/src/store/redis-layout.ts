import type { Redis } from 'ioredis';
import {
  ACQUIRE,
  ASSERT_FENCE,
  FENCE_CHECK,
  READ,
  RELEASE,
  type LeaseCommands,
} from './redis-leases.js';
import type { StoredRecord } from './types.js';

/*
 * How records are laid out in Redis, all under one key prefix:
 *
 * - `<prefix>rec:<tenant>:<kind>:<id>`: a hash per record, with fields
 *   v (version), c (createdAt), u (updatedAt) and d (data as JSON text);
 * - `<prefix>idx:<tenant>:<kind>`: a sorted set, every score 0, members
 *   `<createdAt>|<id>`, so lexical order is creation order, then id;
 * - `<prefix>ids:<tenant>:<kind>`: a sorted set, every score 0, members the
 *   ids, for lists by id and id prefix (added in layout 2: opening a layout
 *   1 store builds it from the first index);
 * - `<prefix>meta:kinds`: a hash of record counts per kind, over all tenants;
 * - `<prefix>meta:schema`: the layout version;
 * - `<prefix>lease:<name>` and `<prefix>meta:lease-tokens`: leases (see
 *   redis-leases.ts), which older layouts simply did not have.
 *
 * Each write is one Lua script, so the version check and the change to the
 * record, its index entry and the per-kind count happen atomically. A
 * fenced write runs the same script after a check of its lease, in the
 * same script.
 */

/** The layout version; bump when it changes. */
export const REDIS_FORMAT_VERSION = 2;

const DEFAULT_PREFIX = 'codedance:';

/** Splits our own `prefix` parameter off the URL, which ioredis would otherwise read as an option. */
export function parseRedisUrl(url: string): { url: string; prefix: string } {
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get('prefix') ?? DEFAULT_PREFIX;
  parsed.searchParams.delete('prefix');
  return { url: parsed.toString(), prefix };
}

/** `:` separates key parts, so it (and `%`, the escape) is escaped inside a part. */
function part(value: string): string {
  return value.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/** The names of one store's keys. */
export class RedisKeys {
  readonly #prefix: string;
  constructor(prefix: string) {
    this.#prefix = prefix;
  }
  record(tenant: string, kind: string, id: string): string {
    return `${this.#prefix}rec:${part(tenant)}:${part(kind)}:${part(id)}`;
  }
  index(tenant: string, kind: string): string {
    return `${this.#prefix}idx:${part(tenant)}:${part(kind)}`;
  }
  ids(tenant: string, kind: string): string {
    return `${this.#prefix}ids:${part(tenant)}:${part(kind)}`;
  }
  /** A SCAN pattern for every creation index, and the id index beside one. */
  indexPattern(): string {
    return `${escapePattern(this.#prefix)}idx:*`;
  }
  idsOfIndex(index: string): string {
    return `${this.#prefix}ids:${index.slice(this.#prefix.length + 'idx:'.length)}`;
  }
  kinds(): string {
    return `${this.#prefix}meta:kinds`;
  }
  schema(): string {
    return `${this.#prefix}meta:schema`;
  }
  lease(name: string): string {
    return `${this.#prefix}lease:${part(name)}`;
  }
  leaseTokens(): string {
    return `${this.#prefix}meta:lease-tokens`;
  }
  /** A SCAN pattern for every key of this store. */
  pattern(): string {
    return `${escapePattern(this.#prefix)}*`;
  }
}

function escapePattern(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export function indexMember(createdAt: string, id: string): string {
  return `${createdAt}|${id}`;
}

/** createdAt has a fixed length and no `|`, so the first `|` ends it, whatever the id holds. */
export function memberId(member: string): string {
  return member.slice(member.indexOf('|') + 1);
}

/** The hash fields a read asks for, in the order `fromHash` expects them. */
export const RECORD_FIELDS = ['v', 'c', 'u', 'd'] as const;

/** A record from its hash fields; null when the hash is gone. */
export function fromHash<T>(
  key: { tenant: string; kind: string; id: string },
  [version, createdAt, updatedAt, data]: (string | null | undefined)[],
): StoredRecord<T> | null {
  if (!version || !createdAt || !updatedAt || typeof data !== 'string') return null;
  return { ...key, version: Number(version), createdAt, updatedAt, data: JSON.parse(data) as T };
}

/** KEYS: record, index, kinds, ids. ARGV: kind, index member, time, data, id. Returns 1, or 0 when it exists. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', 1, 'c', ARGV[3], 'u', ARGV[3], 'd', ARGV[4])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('ZADD', KEYS[4], 0, ARGV[5])
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
return 1`;

/**
 * KEYS: record. ARGV: expected version, time, data.
 * Returns {1, new version, createdAt}, {0} when absent, {-1, actual version} on a stale version.
 */
const UPDATE = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {0} end
if tonumber(v) ~= tonumber(ARGV[1]) then return {-1, tonumber(v)} end
local next = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', next, 'u', ARGV[2], 'd', ARGV[3])
return {1, next, redis.call('HGET', KEYS[1], 'c')}`;

/**
 * KEYS: record, index, kinds, ids. ARGV: kind, id, expected version or ''.
 * Returns {1} when deleted, {0} when absent, {-1, actual version} on a stale version.
 */
const DELETE = `
local fields = redis.call('HMGET', KEYS[1], 'v', 'c')
if not fields[1] then return {0} end
if ARGV[3] ~= '' and tonumber(fields[1]) ~= tonumber(ARGV[3]) then return {-1, tonumber(fields[1])} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], fields[2] .. '|' .. ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
if redis.call('HINCRBY', KEYS[3], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[1]) end
return {1}`;

export type UpdateReply = [1, number, string] | [0] | [-1, number];
export type DeleteReply = [1] | [0] | [-1, number];

/** A client with the store's scripts defined on it. */
export type ScriptedRedis = Redis & RecordCommands & FencedCommands & LeaseCommands;

interface RecordCommands {
  cdCreate(
    record: string,
    index: string,
    kinds: string,
    ids: string,
    kind: string,
    member: string,
    time: string,
    data: string,
    id: string,
  ): Promise<0 | 1>;
  cdUpdate(record: string, expected: number, time: string, data: string): Promise<UpdateReply>;
  cdDelete(
    record: string,
    index: string,
    kinds: string,
    ids: string,
    kind: string,
    id: string,
    expected: string,
  ): Promise<DeleteReply>;
}

/**
 * The record scripts behind a lease check: the lease is their last key and
 * the token their last argument (ioredis passes every key before any argument).
 */
interface FencedCommands {
  cdCreateFenced(
    record: string,
    index: string,
    kinds: string,
    ids: string,
    lease: string,
    kind: string,
    member: string,
    time: string,
    data: string,
    id: string,
    token: number,
  ): Promise<0 | 1>;
  cdUpdateFenced(
    record: string,
    lease: string,
    expected: number,
    time: string,
    data: string,
    token: number,
  ): Promise<UpdateReply>;
  cdDeleteFenced(
    record: string,
    index: string,
    kinds: string,
    ids: string,
    lease: string,
    kind: string,
    id: string,
    expected: string,
    token: number,
  ): Promise<DeleteReply>;
}

/** Registers the scripts; ioredis sends EVALSHA and falls back to EVAL after a server restart. */
export function defineScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand('cdCreate', { numberOfKeys: 4, lua: CREATE });
  redis.defineCommand('cdUpdate', { numberOfKeys: 1, lua: UPDATE });
  redis.defineCommand('cdDelete', { numberOfKeys: 4, lua: DELETE });
  redis.defineCommand('cdCreateFenced', { numberOfKeys: 5, lua: FENCE_CHECK + CREATE });
  redis.defineCommand('cdUpdateFenced', { numberOfKeys: 2, lua: FENCE_CHECK + UPDATE });
  redis.defineCommand('cdDeleteFenced', { numberOfKeys: 5, lua: FENCE_CHECK + DELETE });
  redis.defineCommand('cdLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  redis.defineCommand('cdLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('cdLeaseRead', { numberOfKeys: 2, lua: READ });
  redis.defineCommand('cdLeaseAssert', { numberOfKeys: 1, lua: ASSERT_FENCE });
  return redis as ScriptedRedis;
}
