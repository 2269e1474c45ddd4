import { LeaseLostError } from '@codedance/core';
import { checkAcquire, checkFence } from './lease-rules.js';
import type { RedisKeys, ScriptedRedis } from './redis-layout.js';
import { assertName } from './rules.js';
import type { Fence, Lease, LeaseGrant, Leases } from './types.js';

/*
 * Leases in Redis: `<prefix>lease:<name>` is a hash (h: holder, t: token)
 * that exists only while the lease is held, with a PEXPIRE of the ttl, so
 * Redis' own clock ends it. The last token of every name lives on in the
 * hash `<prefix>meta:lease-tokens`, which nothing expires. Each call is one
 * Lua script, so racing acquirers are served one after another.
 */

/** The reply a fenced script gives when its fence does not hold. */
export const LEASE_LOST_REPLY = 'CD_LEASE_LOST';

/**
 * Put before a write script: its last key is the lease, its last argument
 * the token, and it writes nothing unless the lease is held with that token.
 */
export const FENCE_CHECK = `
local fence = redis.call('HMGET', KEYS[#KEYS], 'h', 't')
if not fence[1] or tonumber(fence[2]) ~= tonumber(ARGV[#ARGV]) then
  return redis.error_reply('${LEASE_LOST_REPLY}')
end`;

/** Milliseconds since the epoch by the Redis server's clock. */
const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/**
 * KEYS: lease, tokens. ARGV: name, holder, ttl ms.
 * Returns {1 (granted or renewed) or 0, holder, token, expiry ms}.
 */
export const ACQUIRE = `${NOW}
local current = redis.call('HMGET', KEYS[1], 'h', 't')
if current[1] and current[1] ~= ARGV[2] then
  return {0, current[1], current[2], now + redis.call('PTTL', KEYS[1])}
end
local token = current[2]
if not current[1] then
  token = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('HSET', KEYS[1], 'h', ARGV[2], 't', token)
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, ARGV[2], tostring(token), now + tonumber(ARGV[3])}`;

/** KEYS: lease. ARGV: holder. Returns 1 when released, 0 when another (or nobody) held it. */
export const RELEASE = `
if redis.call('HGET', KEYS[1], 'h') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** KEYS: lease, tokens. ARGV: name. Returns {holder or '', token, expiry ms or -1}. */
export const READ = `${NOW}
local current = redis.call('HMGET', KEYS[1], 'h', 't')
local left = redis.call('PTTL', KEYS[1])
if current[1] and left > 0 then return {current[1], current[2], now + left} end
return {'', redis.call('HGET', KEYS[2], ARGV[1]) or '0', -1}`;

/** KEYS: lease. ARGV: token. Returns 1, or the lease-lost error. */
export const ASSERT_FENCE = `${FENCE_CHECK}
return 1`;

export type AcquireReply = [0 | 1, string, string, number];
export type ReadReply = [string, string, number];

/** The lease scripts as commands on a client. */
export interface LeaseCommands {
  cdLeaseAcquire(
    lease: string,
    tokens: string,
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<AcquireReply>;
  cdLeaseRelease(lease: string, holder: string): Promise<0 | 1>;
  cdLeaseRead(lease: string, tokens: string, name: string): Promise<ReadReply>;
  cdLeaseAssert(lease: string, token: number): Promise<1>;
}

/** True for the reply of a fenced script whose fence did not hold. */
export function isLeaseLostReply(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ReplyError' &&
    error.message.includes(LEASE_LOST_REPLY)
  );
}

/** Runs a fenced call, turning the script's refusal into `LeaseLostError`. */
export async function fenced<R>(fence: Fence, work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    if (isLeaseLostReply(error)) throw new LeaseLostError(fence.lease, fence.token);
    throw error;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Runs work on the open client, as the store's own calls do. */
export type RedisCall = <R>(work: (redis: ScriptedRedis) => Promise<R>) => Promise<R>;

/** The Redis side of `Leases`. */
export class RedisLeases implements Leases {
  constructor(
    private readonly call: RedisCall,
    private readonly keys: RedisKeys,
  ) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    checkAcquire(name, holder, ttlMs);
    const [acquired, current, token, expiresAt] = await this.call((redis) =>
      redis.cdLeaseAcquire(this.keys.lease(name), this.keys.leaseTokens(), name, holder, ttlMs),
    );
    return {
      name,
      holder: current,
      token: Number(token),
      expiresAt: iso(expiresAt),
      acquired: acquired === 1,
    };
  }

  async release(name: string, holder: string): Promise<boolean> {
    assertName('lease', name);
    assertName('holder', holder);
    const released = await this.call((redis) =>
      redis.cdLeaseRelease(this.keys.lease(name), holder),
    );
    return released === 1;
  }

  async read(name: string): Promise<Lease> {
    assertName('lease', name);
    const [holder, token, expiresAt] = await this.call((redis) =>
      redis.cdLeaseRead(this.keys.lease(name), this.keys.leaseTokens(), name),
    );
    return {
      name,
      holder: holder === '' ? null : holder,
      token: Number(token),
      expiresAt: holder === '' ? null : iso(expiresAt),
    };
  }

  async assertFence(fence: Fence): Promise<void> {
    checkFence(fence);
    await fenced(fence, () =>
      this.call((redis) => redis.cdLeaseAssert(this.keys.lease(fence.lease), fence.token)),
    );
  }
}
