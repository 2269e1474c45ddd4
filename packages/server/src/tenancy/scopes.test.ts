import { describe, expect, it } from 'vitest';
import { TenantScopes } from './scopes.js';
import { scopedName, splitScoped, tenantFolder } from './names.js';

/** A tenant's own map, as a controller holds one: what it was made for and what it holds. */
class Book {
  readonly items = new Map<string, string>();
  started = 0;
  constructor(readonly tenant: string) {}
}

describe('tenant scopes', () => {
  it('keeps one value per tenant, so the same name in two tenants does not collide', async () => {
    const scopes = new TenantScopes(
      (tenant) => new Book(tenant),
      (book) => {
        book.started += 1;
        return Promise.resolve();
      },
    );
    const a = await scopes.ensure('a');
    const b = await scopes.ensure('b');
    a.items.set('shop', 'a-shop');
    b.items.set('shop', 'b-shop');
    expect((await scopes.ensure('a')).items.get('shop')).toBe('a-shop');
    expect(scopes.get('b')?.items.get('shop')).toBe('b-shop');
    expect(scopes.get('c')).toBeUndefined();
    expect(scopes.tenants()).toEqual(['a', 'b']);
    expect([a.started, b.started]).toEqual([1, 1]);
  });

  it('starts a tenant once when first uses overlap, and starts the same value again after a failure', async () => {
    let fail = true;
    let made = 0;
    const scopes = new TenantScopes(
      (tenant) => {
        made += 1;
        return new Book(tenant);
      },
      async (book) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (fail) throw new Error('store down');
        book.started += 1;
      },
    );
    await expect(scopes.ensure('a')).rejects.toThrow('store down');
    expect(scopes.get('a')).toBeUndefined();
    fail = false;
    const [first, second] = await Promise.all([scopes.ensure('a'), scopes.ensure('a')]);
    expect(first).toBe(second);
    expect(first.started).toBe(1);
    expect(made).toBe(1);
    expect(await scopes.drain()).toEqual([first]);
  });
});

describe('scoped names', () => {
  it('keeps the default tenant’s names and paths as they were', () => {
    expect(scopedName('default', 'shop')).toBe('shop');
    expect(splitScoped('shop')).toEqual({ tenant: 'default', name: 'shop' });
    expect(tenantFolder('default')).toEqual([]);
  });

  it('gives other tenants names no other tenant can have', () => {
    expect(scopedName('a', 'shop')).toBe('a/shop');
    expect(scopedName('a', 'shop')).not.toBe(scopedName('b', 'shop'));
    expect(splitScoped('a/shop')).toEqual({ tenant: 'a', name: 'shop' });
    expect(tenantFolder('a')).toEqual(['tenants', 'a']);
  });
});
