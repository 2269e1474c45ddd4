import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, ConflictError, NotFoundError } from '@codedance/core';
import { compareText } from '../rules.js';
import { T1, T2, rejectsWith, type Harness } from './harness.js';

/** Values that must come back exactly as they went in. */
const ROUND_TRIP: Record<string, unknown> = {
  nested: { a: { b: { c: [1, { d: 'e' }, [], {}] } }, empty: {}, list: [] },
  scalars: { t: true, f: false, z: null, s: '', n: 0 },
  numbers: [
    1,
    -1.5,
    0.1 + 0.2,
    1e-7,
    123456789.125,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    1.7976931348623157e308,
    5e-324,
  ],
  unicode: {
    'clé avec espace': 'naïve café 日本語 עברית 🚀👩🏽‍💻',
    combining: 'e\u0301',
    specials: 'quote " backslash \\ newline \n tab \t \u2028 \u2029 </script>',
    escapesAsText: 'not a NUL: \\u0000, not a surrogate: \\ud800',
  },
  topLevelArray: [1, 'two', { three: 3 }],
  topLevelString: 'just a string',
  topLevelNumber: 42.5,
  topLevelNull: null,
  topLevelFalse: false,
};

/** Ids a store must not break on: separators of every backend, unicode, the maximum length. */
export const AWKWARD_IDS = [
  'a|b',
  '|',
  'x/y/z',
  'with space',
  'a:b',
  '%3A',
  '%',
  '*?[]',
  'quote\'"',
  'ünïcödé',
  '日本',
  '🚀',
  '\uffff',
  'x'.repeat(200),
];

export function describeWrites(h: Harness): void {
  describe('create, get, update, delete', () => {
    it('creates at version 1 with both times set, and reads it back', async () => {
      const created = await h.store.create(T1, 'task', 'a', { name: 'first' });
      expect(created).toEqual({
        tenant: T1,
        kind: 'task',
        id: 'a',
        version: 1,
        createdAt: h.clock.iso(),
        updatedAt: h.clock.iso(),
        data: { name: 'first' },
      });
      expect(await h.store.get(T1, 'task', 'a')).toEqual(created);
      expect(await h.store.get(T1, 'task', 'missing')).toBeNull();
      expect(await h.store.get(T1, 'other-kind', 'a')).toBeNull();
    });

    it('refuses a duplicate id and keeps the original', async () => {
      await h.store.create(T1, 'task', 'a', { v: 'original' });
      await expect(h.store.create(T1, 'task', 'a', { v: 'copy' })).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect((await h.store.get(T1, 'task', 'a'))?.data).toEqual({ v: 'original' });
    });

    it('lets exactly one of many concurrent creates of one id win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => h.store.create(T1, 'task', 'race', { writer: i })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
      expect((await h.store.get(T1, 'task', 'race'))?.data).toEqual(won[0]?.value.data);
    });

    it('updates: version + 1, new updatedAt, same createdAt', async () => {
      const created = await h.store.create(T1, 'task', 'a', { step: 1 });
      const later = h.clock.advance(5_000);
      const updated = await h.store.update(T1, 'task', 'a', { step: 2 }, 1);
      expect(updated).toEqual({ ...created, version: 2, updatedAt: later, data: { step: 2 } });
      expect(await h.store.get(T1, 'task', 'a')).toEqual(updated);
      expect((await h.store.update(T1, 'task', 'a', { step: 3 }, 2)).version).toBe(3);
    });

    it('refuses an update of a missing record with NotFoundError', async () => {
      await expect(h.store.update(T1, 'task', 'nope', {}, 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses a stale update with ConflictError naming both versions', async () => {
      await h.store.create(T1, 'task', 'a', { step: 1 });
      await h.store.update(T1, 'task', 'a', { step: 2 }, 1);
      const error = await rejectsWith(
        h.store.update(T1, 'task', 'a', { step: 'stale' }, 1),
        'CD_CONFLICT',
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.details).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      expect(await h.store.get(T1, 'task', 'a')).toMatchObject({ version: 2, data: { step: 2 } });
    });

    it('lets exactly one of many concurrent updates of one version win', async () => {
      await h.store.create(T1, 'task', 'a', { writer: null });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => h.store.update(T1, 'task', 'a', { writer: i }, 1)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      const stored = await h.store.get(T1, 'task', 'a');
      expect(stored?.version).toBe(2);
      expect(stored?.data).toEqual(won[0]?.value.data);
    });

    it('deletes: true once, then false; a stale version is a conflict', async () => {
      await h.store.create(T1, 'task', 'a', {});
      await h.store.update(T1, 'task', 'a', { changed: true }, 1);
      await expect(h.store.delete(T1, 'task', 'a', 1)).rejects.toBeInstanceOf(ConflictError);
      expect(await h.store.get(T1, 'task', 'a')).not.toBeNull();
      expect(await h.store.delete(T1, 'task', 'a', 2)).toBe(true);
      expect(await h.store.get(T1, 'task', 'a')).toBeNull();
      expect(await h.store.delete(T1, 'task', 'a')).toBe(false);
      expect(await h.store.delete(T1, 'task', 'a', 7)).toBe(false);
      await expect(h.store.update(T1, 'task', 'a', {}, 2)).rejects.toBeInstanceOf(NotFoundError);
      const again = await h.store.create(T1, 'task', 'a', { reborn: true });
      expect(again.version).toBe(1);
    });

    it('lets exactly one of many concurrent deletes succeed', async () => {
      await h.store.create(T1, 'task', 'a', {});
      const results = await Promise.all(
        Array.from({ length: 8 }, () => h.store.delete(T1, 'task', 'a', 1)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('round-trips data exactly as JSON', async () => {
      for (const [id, data] of Object.entries(ROUND_TRIP)) {
        const created = await h.store.create(T1, 'blob', id, data);
        expect(created.data).toStrictEqual(data);
        expect((await h.store.get(T1, 'blob', id))?.data).toStrictEqual(data);
        const updated = await h.store.update(T1, 'blob', id, { wrapped: data }, 1);
        expect(updated.data).toStrictEqual({ wrapped: data });
      }
      const page = await h.store.list(T1, 'blob', { limit: 100 });
      for (const record of page.items)
        expect(record.data).toStrictEqual({ wrapped: ROUND_TRIP[record.id] });
    });

    it('hands out copies: changing a returned record does not change the store', async () => {
      const created = await h.store.create<{ list: number[] }>(T1, 'task', 'a', { list: [1] });
      created.data.list.push(2);
      const read = await h.store.get<{ list: number[] }>(T1, 'task', 'a');
      read?.data.list.push(3);
      expect((await h.store.get(T1, 'task', 'a'))?.data).toEqual({ list: [1] });
    });

    it('handles ids with separators, unicode and the maximum length', async () => {
      for (const id of AWKWARD_IDS) await h.store.create(T1, 'odd', id, { id });
      for (const id of AWKWARD_IDS)
        expect((await h.store.get(T1, 'odd', id))?.data).toEqual({ id });
      const listed = await h.store.list(T1, 'odd', { limit: 5 });
      const all = [...listed.items];
      let cursor = listed.nextCursor;
      while (cursor !== null) {
        const page = await h.store.list(T1, 'odd', { limit: 5, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      }
      expect(all.map((r) => r.id)).toEqual([...AWKWARD_IDS].sort(compareText));
      for (const id of AWKWARD_IDS) {
        expect((await h.store.update(T1, 'odd', id, { id, again: true }, 1)).version).toBe(2);
        expect(await h.store.delete(T1, 'odd', id, 2)).toBe(true);
      }
      expect(await h.store.count(T1, 'odd')).toBe(0);
    });

    it('keeps tenants and kinds with separators apart', async () => {
      await h.store.create('a:b', 'c', 'id', { which: 1 });
      await h.store.create('a', 'b:c', 'id', { which: 2 });
      await h.store.create('a', 'b', 'c:id', { which: 3 });
      expect((await h.store.get('a:b', 'c', 'id'))?.data).toEqual({ which: 1 });
      expect((await h.store.get('a', 'b:c', 'id'))?.data).toEqual({ which: 2 });
      expect((await h.store.get('a', 'b', 'c:id'))?.data).toEqual({ which: 3 });
      expect(await h.store.count('a', 'b')).toBe(1);
    });

    it('refuses empty, too long and unstorable ids and data with CD_BAD_REQUEST', async () => {
      await rejectsWith(h.store.create(T1, 'task', '', {}), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create(T1, 'task', 'x'.repeat(201), {}), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create(T1, 'task', 'nul\u0000', {}), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create(T1, 'task', 'half\ud800', {}), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create('', 'task', 'a', {}), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create(T1, 'task', 'a', undefined), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create(T1, 'task', 'a', { s: 'nul \u0000' }), 'CD_BAD_REQUEST');
      await rejectsWith(h.store.create(T1, 'task', 'a', ['half \udc00']), 'CD_BAD_REQUEST');
      expect(await h.store.count(T1, 'task')).toBe(0);
    });

    it('keeps each tenant to itself', async () => {
      await h.store.create(T1, 'task', 'shared-id', { owner: 1 });
      expect(await h.store.get(T2, 'task', 'shared-id')).toBeNull();
      expect((await h.store.list(T2, 'task')).items).toEqual([]);
      expect(await h.store.count(T2, 'task')).toBe(0);
      await expect(h.store.update(T2, 'task', 'shared-id', {}, 1)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect(await h.store.delete(T2, 'task', 'shared-id')).toBe(false);
      const theirs = await h.store.create(T2, 'task', 'shared-id', { owner: 2 });
      expect(theirs.version).toBe(1);
      await h.store.update(T2, 'task', 'shared-id', { owner: 2, changed: true }, 1);
      expect(await h.store.get(T1, 'task', 'shared-id')).toMatchObject({
        version: 1,
        data: { owner: 1 },
      });
      expect((await h.store.list(T1, 'task')).items.map((r) => r.data)).toEqual([{ owner: 1 }]);
    });
  });
}
