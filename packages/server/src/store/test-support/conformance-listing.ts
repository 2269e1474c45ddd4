import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../cursor.js';
import type { ListOptions, Page, Store, StoredRecord } from '../types.js';
import { T1, T2, rejectsWith, type Harness } from './harness.js';

/** Follows `nextCursor` to the end; checks every page respects the limit. */
async function listAll(
  store: Store,
  tenant: string,
  kind: string,
  options: ListOptions = {},
): Promise<{ ids: string[]; records: StoredRecord[]; pages: number }> {
  const records: StoredRecord[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<unknown> = await store.list(tenant, kind, {
      ...options,
      ...(cursor === null ? {} : { cursor }),
    });
    if (options.limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(options.limit);
    if (page.nextCursor !== null) expect(page.items.length).toBeGreaterThan(0);
    records.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(500);
  } while (cursor !== null);
  return { ids: records.map((r) => r.id), records, pages };
}

/** Creates in a shuffled order, so insertion order cannot pass for id order. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const WHERE_ROWS: [string, Record<string, unknown>][] = [
  ['r1', { s: 'x', n: 1, b: true, z: null, o: { s: 'x' } }],
  ['r2', { s: 'y', n: 1.5, b: false, z: 'set' }],
  ['r3', { s: '1', n: 0, b: true }],
  ['r4', { s: 'true', n: -7, b: 1, z: 0 }],
  ['r5', { s: '', n: 1, b: 0, z: false, o: '{"s":"x"}' }],
  ['r6', { s: 'x', n: '1', b: 'true' }],
];

export function describeListing(h: Harness): void {
  describe('list and count', () => {
    it('returns an empty last page for an empty kind', async () => {
      expect(await h.store.list(T1, 'task')).toEqual({ items: [], nextCursor: null });
      expect(await h.store.count(T1, 'task')).toBe(0);
    });

    it('pages through 250 records with one createdAt, each exactly once, asc and desc', async () => {
      const ids = Array.from({ length: 250 }, (_, i) => `r-${String(i).padStart(3, '0')}`);
      await Promise.all(shuffled(ids).map((id) => h.store.create(T1, 'task', id, { id })));
      const asc = await listAll(h.store, T1, 'task', { limit: 7 });
      expect(asc.ids).toEqual(ids);
      expect(asc.pages).toBe(36);
      const desc = await listAll(h.store, T1, 'task', { limit: 7, order: 'desc' });
      expect(desc.ids).toEqual([...ids].reverse());
      const byDefault = await listAll(h.store, T1, 'task');
      expect(byDefault.ids).toEqual(ids);
      expect(byDefault.pages).toBe(3);
      // An exact multiple of the limit still ends without an empty extra page.
      expect((await listAll(h.store, T1, 'task', { limit: 50 })).pages).toBe(5);
      expect(await h.store.count(T1, 'task')).toBe(250);
    });

    it('orders by createdAt, then id, and pages desc across equal times', async () => {
      const expected: string[] = [];
      for (const time of [0, 1, 2]) {
        for (const id of ['m', 'c', 'x', 'a']) {
          await h.store.create(T1, 'task', `${id}${time}`, {});
        }
        expected.push(...['a', 'c', 'm', 'x'].map((id) => `${id}${time}`));
        h.clock.advance(1_000);
      }
      // An update must not move a record: the order is by creation.
      await h.store.update(T1, 'task', 'a0', { touched: true }, 1);
      expect((await h.store.list(T1, 'task')).items.map((r) => r.id)).toEqual(expected);
      expect((await listAll(h.store, T1, 'task', { limit: 3 })).ids).toEqual(expected);
      expect((await listAll(h.store, T1, 'task', { limit: 3, order: 'desc' })).ids).toEqual(
        [...expected].reverse(),
      );
      const times = (await listAll(h.store, T1, 'task')).records.map((r) => r.createdAt);
      expect(new Set(times).size).toBe(3);
    });

    it('clamps the limit to 1..1000', async () => {
      for (const id of ['a', 'b', 'c']) await h.store.create(T1, 'task', id, {});
      expect((await h.store.list(T1, 'task', { limit: 0 })).items).toHaveLength(1);
      expect((await h.store.list(T1, 'task', { limit: -5 })).items).toHaveLength(1);
      expect((await h.store.list(T1, 'task', { limit: 2.9 })).items).toHaveLength(2);
      const all = await h.store.list(T1, 'task', { limit: 1_000_000 });
      expect(all.items).toHaveLength(3);
      expect(all.nextCursor).toBeNull();
    });

    it('filters by equality on strings, numbers, booleans and null, without mixing types', async () => {
      for (const [id, data] of WHERE_ROWS) await h.store.create(T1, 'item', id, data);
      await h.store.create(T2, 'item', 'other-tenant', { s: 'x', n: 1, b: true });
      const cases: [ListOptions['where'], string[]][] = [
        [{ s: 'x' }, ['r1', 'r6']],
        [{ s: '' }, ['r5']],
        [{ s: '1' }, ['r3']],
        [{ n: 1 }, ['r1', 'r5']],
        [{ n: 1.5 }, ['r2']],
        [{ n: 0 }, ['r3']],
        [{ n: -7 }, ['r4']],
        [{ b: true }, ['r1', 'r3']],
        [{ b: false }, ['r2']],
        [{ z: null }, ['r1', 'r3', 'r6']],
        [{ z: false }, ['r5']],
        [{ z: 0 }, ['r4']],
        [{ o: '{"s":"x"}' }, ['r5']],
        [{ s: 'x', b: true }, ['r1']],
        [{ s: 'x', n: 2 }, []],
        [{ missing: 'x' }, []],
        [{}, ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']],
      ];
      for (const [where, ids] of cases) {
        const page = await h.store.list(T1, 'item', { ...(where ? { where } : {}) });
        expect({ where, ids: page.items.map((r) => r.id) }).toEqual({ where, ids });
        expect({ where, count: await h.store.count(T1, 'item', where) }).toEqual({
          where,
          count: ids.length,
        });
      }
    });

    it('pages through filtered results, each exactly once', async () => {
      const ids = Array.from({ length: 120 }, (_, i) => `r-${String(i).padStart(3, '0')}`);
      await Promise.all(
        ids.map((id, i) => h.store.create(T1, 'task', id, { even: i % 2 === 0, third: i % 3 })),
      );
      const even = await listAll(h.store, T1, 'task', { limit: 7, where: { even: true } });
      expect(even.ids).toEqual(ids.filter((_, i) => i % 2 === 0));
      const rare = await listAll(h.store, T1, 'task', {
        limit: 4,
        order: 'desc',
        where: { third: 0, even: false },
      });
      expect(rare.ids).toEqual(ids.filter((_, i) => i % 6 === 3).reverse());
      expect(await h.store.count(T1, 'task', { even: false })).toBe(60);
    });

    it('refuses where fields that are not plain names, and non-scalar values', async () => {
      await h.store.create(T1, 'task', 'a', { ok: 1 });
      const bad = ['a.b', "x') OR 1=1 --", '$.ok', '', 'with space', '1st', 'a"b', 'ok]'];
      for (const field of bad) {
        const error = await rejectsWith(
          h.store.list(T1, 'task', { where: { [field]: 1 } }),
          'CD_BAD_REQUEST',
        );
        expect(error.message).toContain(`'${field}'`);
        await rejectsWith(h.store.count(T1, 'task', { [field]: 1 }), 'CD_BAD_REQUEST');
      }
      const notScalar = { ok: { nested: 1 } } as unknown as ListOptions['where'] & object;
      await rejectsWith(h.store.list(T1, 'task', { where: notScalar }), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.count(T1, 'task', { ok: Number.NaN }), 'CD_BAD_REQUEST');
    });

    it('refuses cursors it did not hand out', async () => {
      await h.store.create(T1, 'task', 'a', {});
      const forged = [
        'not a cursor',
        Buffer.from('{"a":1}').toString('base64url'),
        encodeCursor({ createdAt: 'yesterday', id: 'a' }),
        encodeCursor({ createdAt: '2030-13-45T99:99:99.999Z', id: 'a' }),
      ];
      for (const cursor of forged) {
        const error = await rejectsWith(h.store.list(T1, 'task', { cursor }), 'CD_BAD_REQUEST');
        expect(error.details).toMatchObject({ field: 'cursor' });
      }
    });
  });
}
