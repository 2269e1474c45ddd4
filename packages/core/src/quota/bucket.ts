import type { RateLimit } from './limits.js';

/** A token bucket's state: tokens left at a moment. Kept per token or per tenant. */
export interface BucketState {
  tokens: number;
  at: number;
}

export interface BucketAnswer {
  state: BucketState;
  allowed: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** Milliseconds until a refused call would be let through; 0 when allowed. */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  fullInMs: number;
}

/**
 * Take `cost` tokens from a bucket that refills at `perSecond` up to `burst`. Pure: the caller
 * keeps the state (in memory, or in Redis for several servers) and passes the clock's time.
 * A clock that steps back refills nothing rather than minting tokens.
 */
export function takeTokens(
  previous: BucketState | undefined,
  now: number,
  rate: Pick<RateLimit, 'perSecond' | 'burst'>,
  cost = 1,
): BucketAnswer {
  if (rate.perSecond <= 0 || rate.burst <= 0) {
    throw new RangeError('a rate limit needs perSecond and burst above 0');
  }
  const start = previous ?? { tokens: rate.burst, at: now };
  const elapsed = Math.max(0, now - start.at);
  const tokens = Math.min(rate.burst, start.tokens + (elapsed / 1000) * rate.perSecond);
  const allowed = tokens >= cost;
  const left = allowed ? tokens - cost : tokens;
  const msPerToken = 1000 / rate.perSecond;
  return {
    state: { tokens: left, at: Math.max(now, start.at) },
    allowed,
    remaining: Math.floor(left),
    retryAfterMs: allowed ? 0 : Math.ceil((cost - tokens) * msPerToken),
    fullInMs: Math.ceil((rate.burst - left) * msPerToken),
  };
}

/**
 * The answer's headers: `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds
 * until full), as the IETF RateLimit header fields draft names them, and `Retry-After` on a refusal.
 */
export function rateLimitHeaders(
  answer: BucketAnswer,
  rate: Pick<RateLimit, 'burst'>,
): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(rate.burst),
    'ratelimit-remaining': String(answer.remaining),
    'ratelimit-reset': String(Math.ceil(answer.fullInMs / 1000)),
  };
  if (!answer.allowed)
    headers['retry-after'] = String(Math.max(1, Math.ceil(answer.retryAfterMs / 1000)));
  return headers;
}
