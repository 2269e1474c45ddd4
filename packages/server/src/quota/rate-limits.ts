import type { FastifyInstance } from 'fastify';
import {
  CodedanceError,
  rateLimitHeaders,
  takeTokens,
  type BucketAnswer,
  type BucketState,
  type Config,
  type Principal,
} from '@codedance/core';
import type { Clock } from '../clock.js';

type RateConfig = Config['server']['rateLimit'];
type Rate = RateConfig['perCaller'];

/** A bucket left alone this long is full again; it is forgotten rather than kept. */
const FORGET_AFTER_MS = 10 * 60_000;
/** Buckets are swept of forgotten ones at most this often, so a flood of callers stays bounded. */
const SWEEP_EVERY = 1000;

/**
 * Token buckets per caller and per tenant, in this process's memory. A call takes a token from
 * both or from neither: a caller refused by its tenant's bucket keeps its own tokens.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, BucketState>();
  #calls = 0;

  constructor(private readonly clock: Clock) {}

  /** Takes a token for the caller; the answer of the tighter bucket, with its rate and scope. */
  take(
    principal: Principal,
    limits: RateConfig,
  ): { answer: BucketAnswer; rate: Rate; scope: 'caller' | 'tenant'; caller: BucketAnswer } {
    const now = this.clock();
    if (++this.#calls % SWEEP_EVERY === 0) this.#sweep(now);
    const callerKey = `c\u0000${principal.tenant}\u0000${principal.kind}\u0000${principal.id}`;
    const tenantKey = `t\u0000${principal.tenant}`;
    const caller = takeTokens(this.#buckets.get(callerKey), now, limits.perCaller);
    const tenant = takeTokens(this.#buckets.get(tenantKey), now, limits.perTenant);
    if (caller.allowed && tenant.allowed) {
      this.#buckets.set(callerKey, caller.state);
      this.#buckets.set(tenantKey, tenant.state);
    }
    const tenantTighter =
      !tenant.allowed || (caller.allowed && tenant.remaining < caller.remaining);
    return tenantTighter
      ? { answer: tenant, rate: limits.perTenant, scope: 'tenant', caller }
      : { answer: caller, rate: limits.perCaller, scope: 'caller', caller };
  }

  /** How many buckets are kept: bounded by the callers seen in the last ten minutes. */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    for (const [key, state] of this.#buckets) {
      if (now - state.at > FORGET_AFTER_MS) this.#buckets.delete(key);
    }
  }
}

/**
 * Limits how fast authenticated callers call the API: 429 `CD_RATE_LIMITED` with `Retry-After`
 * once a bucket is empty, and `RateLimit-*` headers on every answer. The admin credential (the
 * operator of the installation) and anonymous calls to public routes are not counted.
 */
export function installRateLimits(
  app: FastifyInstance,
  options: { limits: () => RateConfig; clock: Clock },
): RateLimiter {
  const limiter = new RateLimiter(options.clock);
  app.addHook('onRequest', (request, reply, done) => {
    const principal = request.principal;
    if (principal === null || principal.kind === 'admin' || request.method === 'OPTIONS') {
      done();
      return;
    }
    const { answer, rate, scope } = limiter.take(principal, options.limits());
    void reply.headers(rateLimitHeaders(answer, rate));
    if (answer.allowed) {
      done();
      return;
    }
    const seconds = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
    done(
      new CodedanceError('CD_RATE_LIMITED', {
        message:
          scope === 'tenant'
            ? `This tenant calls faster than its ${rate.perSecond} calls per second; retry in ${seconds} s.`
            : `You call faster than ${rate.perSecond} calls per second; retry in ${seconds} s.`,
        details: {
          scope,
          perSecond: rate.perSecond,
          burst: rate.burst,
          retryAfterSeconds: seconds,
        },
      }),
    );
  });
  return limiter;
}
