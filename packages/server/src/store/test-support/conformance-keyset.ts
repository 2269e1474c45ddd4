import { describe, expect, it } from 'vitest';
import type { ListOptions, Page, Store } from '../types.js';
import { T1, T2, rejectsWith, type Harness } from './harness.js';

/** Follows `nextCursor` to the end; checks each page's total and size. */
async function walk(
  store: Store,
  kind: string,
  options: ListOptions,
): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<unknown> = await store.list(T1, kind, {
      ...options,
      ...(cursor === null ? {} : { cursor }),
    });
    if (options.limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(options.limit);
    if (page.total !== undefined) totals.push(page.total);
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor;
    expect(ids.length).toBeLessThan(10_000);
  } while (cursor !== null);
  return { ids, totals };
}

/** Ids whose creation order differs from their id order, across shared prefixes. */
const IDS = [
  'web-2',
  'api-10',
  'web-10',
  'api-2',
  'db',
  'web',
  'api-1',
  'weba',
  'é-1',
  '😀-1',
  'x',
];
const sortedIds = [...IDS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

export function describeKeysetPaging(h: Harness): void {
  describe('keyset paging by id and id prefix, with totals', () => {
    async function seed(): Promise<void> {
      for (const [i, id] of IDS.entries()) {
        await h.store.create(T1, 'svc', id, { n: i, even: i % 2 === 0 });
        h.clock.advance(1_000);
      }
      await h.store.create(T2, 'svc', 'api-0', { n: 0, even: true });
    }

    it('pages by id asc and desc, each record exactly once, whatever the creation order', async () => {
      await seed();
      for (const limit of [1, 2, 3, 100]) {
        expect((await walk(h.store, 'svc', { by: 'id', limit })).ids).toEqual(sortedIds);
        const desc = await walk(h.store, 'svc', { by: 'id', order: 'desc', limit });
        expect(desc.ids).toEqual([...sortedIds].reverse());
      }
      // The default order stays creation order.
      expect((await walk(h.store, 'svc', { limit: 4 })).ids).toEqual(IDS);
    });

    it('keeps only ids with a prefix, by id or by creation, and counts them', async () => {
      await seed();
      const cases: [string, string[]][] = [
        ['api-', ['api-1', 'api-10', 'api-2']],
        ['api-1', ['api-1', 'api-10']],
        ['web', ['web', 'web-10', 'web-2', 'weba']],
        ['web-', ['web-10', 'web-2']],
        ['é', ['é-1']],
        ['😀', ['😀-1']],
        ['zzz', []],
        ['', sortedIds],
      ];
      for (const [idPrefix, expected] of cases) {
        const byId = await walk(h.store, 'svc', { by: 'id', idPrefix, limit: 2, withTotal: true });
        expect({ idPrefix, ids: byId.ids }).toEqual({ idPrefix, ids: expected });
        expect(new Set(byId.totals)).toEqual(new Set([expected.length]));
        const desc = await walk(h.store, 'svc', { by: 'id', order: 'desc', idPrefix, limit: 3 });
        expect(desc.ids).toEqual([...expected].reverse());
        const byCreation = await walk(h.store, 'svc', { idPrefix, limit: 2 });
        expect(byCreation.ids).toEqual(IDS.filter((id) => expected.includes(id)));
        expect(await h.store.count(T1, 'svc', undefined, { idPrefix })).toBe(expected.length);
      }
    });

    it('combines the prefix with where filters in pages and totals', async () => {
      await seed();
      const page = await h.store.list(T1, 'svc', {
        by: 'id',
        idPrefix: 'web',
        where: { even: true },
        limit: 1,
        withTotal: true,
      });
      const expected = sortedIds.filter((id) => id.startsWith('web') && IDS.indexOf(id) % 2 === 0);
      expect(page.total).toBe(expected.length);
      expect(page.items.map((r) => r.id)).toEqual(expected.slice(0, 1));
      const all = await walk(h.store, 'svc', {
        by: 'id',
        idPrefix: 'web',
        where: { even: true },
        limit: 1,
      });
      expect(all.ids).toEqual(expected);
      expect(await h.store.count(T1, 'svc', { even: true }, { idPrefix: 'web' })).toBe(
        expected.length,
      );
    });

    it('answers an exact total on every page, only when asked', async () => {
      const ids = Array.from({ length: 120 }, (_, i) => `t-${String(i).padStart(3, '0')}`);
      await Promise.all(ids.map((id, i) => h.store.create(T1, 'task', id, { odd: i % 2 === 1 })));
      const all = await walk(h.store, 'task', { by: 'id', limit: 50, withTotal: true });
      expect(all.ids).toEqual(ids);
      expect(all.totals).toEqual([120, 120, 120]);
      const odd = await walk(h.store, 'task', { where: { odd: true }, limit: 25, withTotal: true });
      expect(odd.totals).toEqual([60, 60, 60]);
      expect((await h.store.list(T1, 'task', { limit: 1 })).total).toBeUndefined();
      // A record created between pages is counted by the next page's total.
      const first = await h.store.list(T1, 'task', { by: 'id', limit: 10, withTotal: true });
      await h.store.create(T1, 'task', 'u-new', {});
      const second = await h.store.list(T1, 'task', {
        by: 'id',
        limit: 10,
        withTotal: true,
        cursor: first.nextCursor!,
      });
      expect([first.total, second.total]).toEqual([120, 121]);
      expect(second.items[0]?.id).toBe('t-010');
    });

    it('refuses a cursor of the other order, and bad options, with a 400', async () => {
      await seed();
      const byCreation = await h.store.list(T1, 'svc', { limit: 1 });
      const byId = await h.store.list(T1, 'svc', { by: 'id', limit: 1 });
      const wrongOrder = await rejectsWith(
        h.store.list(T1, 'svc', { by: 'id', cursor: byCreation.nextCursor! }),
        'CD_BAD_REQUEST',
      );
      expect(wrongOrder.message).toContain('ordered by creation');
      await rejectsWith(h.store.list(T1, 'svc', { cursor: byId.nextCursor! }), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.list(T1, 'svc', { idPrefix: 'a\u0000' }), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.list(T1, 'svc', { idPrefix: 'x'.repeat(201) }), 'CD_BAD_REQUEST');
      await rejectsWith(
        h.store.count(T1, 'svc', undefined, { idPrefix: '\ud800' }),
        'CD_BAD_REQUEST',
      );
      const bad = { by: 'name' } as unknown as ListOptions;
      await rejectsWith(h.store.list(T1, 'svc', bad), 'CD_BAD_REQUEST');
    });

    it('forgets a deleted record in lists, prefixes and totals', async () => {
      await seed();
      await h.store.delete(T1, 'svc', 'api-10');
      const page = await h.store.list(T1, 'svc', { by: 'id', idPrefix: 'api-1', withTotal: true });
      expect(page.items.map((r) => r.id)).toEqual(['api-1']);
      expect(page.total).toBe(1);
      await h.store.create(T1, 'svc', 'api-10', {});
      expect((await walk(h.store, 'svc', { by: 'id', idPrefix: 'api-1' })).ids).toEqual([
        'api-1',
        'api-10',
      ]);
    });
  });
}
