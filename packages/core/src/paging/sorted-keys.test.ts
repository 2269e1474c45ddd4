import { describe, expect, it } from 'vitest';
import { SortedKeys, type KeyPageOptions } from './sorted-keys.js';

function walk(keys: SortedKeys, options: Omit<KeyPageOptions, 'after'>): string[][] {
  const pages: string[][] = [];
  let after: string | null = null;
  do {
    const page = keys.page({ ...options, after });
    pages.push(page.keys);
    after = page.next;
    expect(pages.length).toBeLessThan(1000);
  } while (after !== null);
  return pages;
}

describe('SortedKeys', () => {
  const names = ['web-2', 'api-10', 'web-10', 'api-2', 'db', 'web', 'api-1', 'weba', 'x'];
  const make = () => {
    const keys = new SortedKeys();
    for (const name of names) keys.add(name);
    keys.add('db'); // twice is once
    return keys;
  };
  const sorted = [...names].sort();

  it('keeps keys sorted and unique, and forgets deleted ones', () => {
    const keys = make();
    expect(keys.all()).toEqual(sorted);
    expect(keys.size).toBe(names.length);
    keys.delete('db');
    keys.delete('nope');
    expect(keys.has('db')).toBe(false);
    expect(keys.has('web')).toBe(true);
    expect(keys.size).toBe(names.length - 1);
  });

  it('pages asc and desc, each key once, with the total on every page', () => {
    const keys = make();
    for (const limit of [1, 2, 4, 100]) {
      expect(walk(keys, { limit, order: 'asc' }).flat()).toEqual(sorted);
      expect(walk(keys, { limit, order: 'desc' }).flat()).toEqual([...sorted].reverse());
    }
    const first = keys.page({ after: null, limit: 4, order: 'asc' });
    expect(first).toEqual({ keys: sorted.slice(0, 4), total: 9, next: sorted[3] });
    // An exact multiple of the limit ends without an empty page.
    expect(walk(keys, { limit: 3, order: 'asc' })).toHaveLength(3);
  });

  it('keeps to a prefix and a filter, counting only what matches', () => {
    const keys = make();
    const web = keys.page({ after: null, limit: 2, order: 'asc', prefix: 'web' });
    expect(web).toEqual({ keys: ['web', 'web-10'], total: 4, next: 'web-10' });
    expect(walk(keys, { limit: 2, order: 'desc', prefix: 'web-' }).flat()).toEqual([
      'web-2',
      'web-10',
    ]);
    expect(keys.page({ after: null, limit: 5, order: 'asc', prefix: 'zz' })).toEqual({
      keys: [],
      total: 0,
      next: null,
    });
    const seen: string[] = [];
    const even = keys.page({
      after: null,
      limit: 1,
      order: 'asc',
      prefix: 'api',
      keep: (key) => {
        seen.push(key);
        return key.endsWith('0') || key.endsWith('2');
      },
    });
    expect(even.keys).toEqual(['api-10']);
    expect(even.total).toBe(2);
    expect(new Set(seen)).toEqual(new Set(['api-1', 'api-10', 'api-2']));
  });

  it('carries on after a key that was deleted, or one it never had', () => {
    const keys = make();
    const first = keys.page({ after: null, limit: 2, order: 'asc' });
    keys.delete(first.next!);
    expect(keys.page({ after: first.next, limit: 2, order: 'asc' }).keys).toEqual(
      sorted.slice(2, 4),
    );
    expect(keys.page({ after: 'c', limit: 1, order: 'asc' }).keys).toEqual(['db']);
    expect(keys.page({ after: 'c', limit: 1, order: 'desc' }).keys).toEqual(['api-2']);
    expect(keys.page({ after: 'a', limit: 1, order: 'desc', prefix: 'web' }).keys).toEqual([]);
  });
});
