import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '@codedance/core';
import { SqliteStore } from '../store/index.js';
import { TokenBook } from './tokens.js';

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function book(clock: () => Date) {
  const store = new SqliteStore({ path: ':memory:' });
  await store.open();
  stores.push(store);
  return new TokenBook(() => store, clock);
}

const admin: Principal = {
  kind: 'admin',
  id: 'admin',
  tenant: 'default',
  role: 'admin',
  platform: true,
};

describe('TokenBook', () => {
  it('stops a token at its expiry, by the clock', async () => {
    let now = Date.parse('2026-12-07T12:00:00Z');
    const tokens = await book(() => new Date(now));
    const { token, view } = await tokens.issue(admin, {
      name: 'short',
      role: 'viewer',
      expiresInDays: 1,
    });
    expect(view.expiresAt).toBe('2026-12-08T12:00:00.000Z');
    expect(await tokens.verify(token)).toMatchObject({
      kind: 'token',
      id: view.id,
      role: 'viewer',
    });
    now = Date.parse('2026-12-08T11:59:59Z');
    expect(await tokens.verify(token)).not.toBeNull();
    now = Date.parse('2026-12-08T12:00:00Z');
    expect(await tokens.verify(token)).toBeNull();
  });

  it('issues at most the issuer’s own role, unless the issuer is a platform administrator', async () => {
    const tokens = await book(() => new Date('2026-12-07T12:00:00Z'));
    const operator: Principal = { kind: 'token', id: 'x', tenant: 'default', role: 'operator' };
    await expect(tokens.issue(operator, { name: 'up', role: 'admin' })).rejects.toMatchObject({
      code: 'CD_FORBIDDEN',
    });
    await expect(tokens.issue(operator, { name: 'same', role: 'operator' })).resolves.toBeDefined();
    await expect(tokens.issue(admin, { name: 'any', role: 'admin' })).resolves.toBeDefined();
  });

  it('issues into the issuer’s tenant only, and answers nothing for other shapes', async () => {
    const tokens = await book(() => new Date('2026-12-07T12:00:00Z'));
    const teamB: Principal = { kind: 'token', id: 'y', tenant: 'team-b', role: 'admin' };
    const { token } = await tokens.issue(teamB, { name: 'b', role: 'viewer' });
    expect(token.startsWith('cdt.team-b.')).toBe(true);
    expect((await tokens.verify(token))?.tenant).toBe('team-b');
    expect(await tokens.list('default')).toEqual([]);
    for (const junk of ['', 'cdt', 'cdt.a.b.c', `${token}x`, token.replace('team-b', 'TEAM-B')]) {
      expect(await tokens.verify(junk)).toBeNull();
    }
  });
});
