import { afterEach, describe, expect, it } from 'vitest';
import { TENANT_DEFAULT, type Principal } from '@codedance/core';
import { guardApp } from '../auth/test-support/access.js';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import { RateLimiter, installRateLimits } from './rate-limits.js';

const limits = {
  perCaller: { perSecond: 2, burst: 3 },
  perTenant: { perSecond: 4, burst: 5 },
};

const opened: BareApp[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function serve(clock: () => number) {
  let cookieName = '';
  const sessions: string[] = [];
  let token = '';
  const bare = await startBareApp(async (instance) => {
    const guarded = await guardApp(instance, { token: 'a-long-enough-admin-token' });
    instance.addHook('onClose', guarded.release);
    token = guarded.token;
    installRateLimits(instance, { limits: () => limits, clock });
    instance.get('/api/thing', () => ({ ok: true }));
    for (let i = 0; i < 2; i++) sessions.push((await guarded.access.sessions.open('link')).cookie);
  });
  opened.push(bare);
  cookieName = `codedance_session_${new URL(bare.url).port}`;
  const call = (headers: Record<string, string>) => fetch(`${bare.url}/api/thing`, { headers });
  return {
    asSession: (i: number) => call({ cookie: `${cookieName}=${sessions[i] ?? ''}` }),
    asAdmin: () => call({ authorization: `Bearer ${token}` }),
  };
}

describe('API rate limits over HTTP', () => {
  it('lets a burst through, then answers 429 with Retry-After, and lets the caller in again in time', async () => {
    let now = 1_000_000;
    const server = await serve(() => now);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await server.asSession(0));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]?.headers.get('ratelimit-limit')).toBe('3');
    expect(answers[2]?.headers.get('ratelimit-remaining')).toBe('0');
    const refused = answers[3];
    expect(refused?.headers.get('retry-after')).toBe('1');
    const body = (await refused?.json()) as {
      error: { code: string; message: string; details: unknown };
    };
    expect(body.error).toMatchObject({
      code: 'CD_RATE_LIMITED',
      details: { scope: 'caller', perSecond: 2, burst: 3, retryAfterSeconds: 1 },
    });
    expect(body.error.message).toMatch(/faster than 2 calls per second/);
    now += 500;
    expect((await server.asSession(0)).status).toBe(200);
  });

  it('counts every caller of a tenant together', async () => {
    const server = await serve(() => 5_000);
    const first = await Promise.all([0, 1, 2].map(() => server.asSession(0)));
    expect(first.map((a) => a.status)).toEqual([200, 200, 200]);
    // The second session has its own three, but the tenant has only two left.
    const second = [];
    for (let i = 0; i < 3; i++) second.push(await server.asSession(1));
    expect(second.map((a) => a.status)).toEqual([200, 200, 429]);
    const body = (await second[2]?.json()) as { error: { details: { scope: string } } };
    expect(body.error.details.scope).toBe('tenant');
  });

  it('does not limit the admin credential', async () => {
    const server = await serve(() => 7_000);
    const statuses = await Promise.all(Array.from({ length: 30 }, () => server.asAdmin()));
    expect(new Set(statuses.map((a) => a.status))).toEqual(new Set([200]));
  });
});

describe('RateLimiter', () => {
  const caller = (id: string): Principal => ({
    kind: 'session',
    id,
    tenant: TENANT_DEFAULT,
    role: 'admin',
  });

  it('keeps the caller’s tokens when its tenant refuses', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const tight = { perCaller: { perSecond: 1, burst: 10 }, perTenant: { perSecond: 1, burst: 1 } };
    expect(limiter.take(caller('a'), tight).answer.allowed).toBe(true);
    const refused = limiter.take(caller('a'), tight);
    expect(refused).toMatchObject({ scope: 'tenant', answer: { allowed: false } });
    // A second later the tenant has a token again, and the caller is full: the refused call
    // took nothing from it (else it would have 8 left, not 9).
    now = 1000;
    const next = limiter.take(caller('a'), tight);
    expect(next.answer.allowed).toBe(true);
    expect(next.caller.remaining).toBe(9);
  });

  it('forgets idle callers, so a flood of new ones stays bounded', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const roomy = { ...limits, perTenant: { perSecond: 1, burst: 10_000 } };
    for (let i = 0; i < 999; i++) limiter.take(caller(`flood-${i}`), roomy);
    expect(limiter.size).toBe(1000);
    now += 11 * 60_000;
    limiter.take(caller('late'), roomy);
    expect(limiter.size).toBe(2);
  });
});
