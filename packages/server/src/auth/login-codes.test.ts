import { describe, expect, it } from 'vitest';
import { LOGIN_CODE_TTL_MS, LoginCodes } from './login-codes.js';

describe('one-time sign-in codes', () => {
  it('work once, and not after ten minutes', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const codes = new LoginCodes(() => new Date(now));
    const first = codes.issue();
    expect(first.code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.expiresAt.getTime() - now).toBe(LOGIN_CODE_TTL_MS);
    expect(codes.redeem(first.code)).toBe(true);
    expect(codes.redeem(first.code)).toBe(false);

    const late = codes.issue();
    now += LOGIN_CODE_TTL_MS;
    expect(codes.redeem(late.code)).toBe(false);

    const cleared = codes.issue();
    codes.clear();
    expect(codes.redeem(cleared.code)).toBe(false);
    expect(codes.redeem('never-issued')).toBe(false);
  });
});
