import { describe, expect, it } from 'vitest';
import { CodedanceError, ConflictError, NotFoundError } from '@codedance/core';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  assertKey,
  assertKnownSchema,
  clampLimit,
  comparePositions,
  compareText,
  isAfterCursor,
  matchesWhere,
  parseCursor,
  serializeData,
  stampCreate,
  stampUpdate,
  staleUpdate,
  storeLocation,
  toPage,
  whereEntries,
} from './rules.js';
import type { StoredRecord } from './types.js';

function codeOf(work: () => unknown): string | null {
  try {
    work();
    return null;
  } catch (error) {
    return error instanceof CodedanceError ? error.code : 'not a CodedanceError';
  }
}

function record(createdAt: string, id: string): StoredRecord {
  return { tenant: 't', kind: 'k', id, version: 1, createdAt, updatedAt: createdAt, data: {} };
}

const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T00:00:00.001Z';

describe('store rules', () => {
  it('clamps limits to 1..1000 and defaults to 100', () => {
    expect(
      [undefined, Number.NaN, Infinity, 0, -3, 1, 2.7, 999, 1000, 1001, 1e9].map(clampLimit),
    ).toEqual([100, 100, 100, 1, 1, 1, 2, 999, 1000, 1000, 1000]);
  });

  it('accepts plain field names and scalar values only', () => {
    expect(whereEntries({ a: 1, _b: 'x', C9: true, d: null })).toHaveLength(4);
    expect(whereEntries(undefined)).toEqual([]);
    for (const field of ['', '9a', 'a.b', 'a-b', 'a b', "a'", 'x'.repeat(65), 'ü']) {
      expect({ field, code: codeOf(() => whereEntries({ [field]: 1 })) }).toEqual({
        field,
        code: 'CD_BAD_REQUEST',
      });
    }
    for (const value of [{}, [], Number.NaN, Infinity, undefined]) {
      const where = { a: value } as unknown as Record<string, string>;
      expect(codeOf(() => whereEntries(where))).toBe('CD_BAD_REQUEST');
    }
  });

  it('matches by type-strict equality; null also matches an absent field', () => {
    const data = { s: 'x', n: 1, b: true, z: null, o: { s: 'x' } };
    const match = (where: Record<string, string | number | boolean | null>) =>
      matchesWhere(data, whereEntries(where));
    expect(match({ s: 'x', n: 1, b: true })).toBe(true);
    expect(match({ z: null })).toBe(true);
    expect(match({ absent: null })).toBe(true);
    expect(match({ n: '1' })).toBe(false);
    expect(match({ b: 1 })).toBe(false);
    expect(match({ o: '[object Object]' })).toBe(false);
    expect(match({ absent: 'x' })).toBe(false);
    expect(matchesWhere([1], whereEntries({ a: null }))).toBe(true);
    expect(matchesWhere('text', whereEntries({ a: 'text' }))).toBe(false);
    expect(matchesWhere(Object.create({ inherited: 1 }), whereEntries({ inherited: 1 }))).toBe(
      false,
    );
  });

  it('orders text by code point, as UTF-8 bytes sort', () => {
    expect(['b', 'a', 'ab', '', 'B'].sort(compareText)).toEqual(['', 'B', 'a', 'ab', 'b']);
    // UTF-16 puts U+1F680 (a surrogate pair) before U+FFFF; code point order puts it after.
    expect(['🚀', '\uffff', '\ue000', 'z'].sort(compareText)).toEqual([
      'z',
      '\ue000',
      '\uffff',
      '🚀',
    ]);
    const sample = ['🚀', '\uffff', 'é', 'e', '日本', '\u0001'];
    const byBytes = [...sample].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...sample].sort(compareText)).toEqual(byBytes);
  });

  it('compares positions by time, then id, and places them after a cursor', () => {
    expect(comparePositions({ createdAt: T0, id: 'z' }, { createdAt: T1, id: 'a' })).toBeLessThan(
      0,
    );
    expect(
      comparePositions({ createdAt: T0, id: 'b' }, { createdAt: T0, id: 'a' }),
    ).toBeGreaterThan(0);
    const cursor = { createdAt: T0, id: 'm' };
    expect(isAfterCursor({ createdAt: T0, id: 'n' }, cursor, 'asc')).toBe(true);
    expect(isAfterCursor({ createdAt: T0, id: 'm' }, cursor, 'asc')).toBe(false);
    expect(isAfterCursor({ createdAt: T0, id: 'l' }, cursor, 'desc')).toBe(true);
    expect(isAfterCursor({ createdAt: T1, id: 'a' }, cursor, 'desc')).toBe(false);
    expect(isAfterCursor({ createdAt: T1, id: 'a' }, null, 'desc')).toBe(true);
  });

  it('parses only cursors it could have handed out', () => {
    expect(parseCursor(undefined)).toBeNull();
    expect(parseCursor(encodeCursor({ createdAt: T0, id: 'a|b' }))).toEqual({
      createdAt: T0,
      id: 'a|b',
    });
    for (const token of [
      '%%%',
      encodeCursor({ createdAt: '2030-01-01', id: 'a' }),
      encodeCursor({ createdAt: '2030-02-31T25:00:00.000Z', id: 'a' }),
    ]) {
      expect(codeOf(() => parseCursor(token))).toBe('CD_BAD_REQUEST');
    }
  });

  it('builds pages from limit + 1 rows', () => {
    const rows = ['a', 'b', 'c'].map((id) => record(T0, id));
    expect(toPage(rows.slice(0, 2), 2)).toEqual({ items: rows.slice(0, 2), nextCursor: null });
    const page = toPage(rows, 2);
    expect(page.items.map((r) => r.id)).toEqual(['a', 'b']);
    expect(decodeCursor(page.nextCursor!)).toEqual({ createdAt: T0, id: 'b' });
  });

  it('checks keys: 1 to 200 characters, no NUL, no lone surrogate', () => {
    expect(
      codeOf(() => {
        assertKey('t', 'k', 'x'.repeat(200));
      }),
    ).toBeNull();
    expect(
      codeOf(() => {
        assertKey('t', 'k', '🚀 | / :');
      }),
    ).toBeNull();
    expect(
      codeOf(() => {
        assertKey('t', 'k');
      }),
    ).toBeNull();
    for (const [tenant, kind, id] of [
      ['', 'k', 'i'],
      ['t', '', 'i'],
      ['t', 'k', ''],
      ['t', 'k', 'x'.repeat(201)],
      ['t', 'k', 'a\u0000'],
      ['t', 'k', '\udc00'],
    ] as const) {
      expect(
        codeOf(() => {
          assertKey(tenant, kind, id);
        }),
      ).toBe('CD_BAD_REQUEST');
    }
  });

  it('serialises JSON values and refuses the rest', () => {
    expect(serializeData({ a: [1, 'x', null] })).toBe('{"a":[1,"x",null]}');
    expect(serializeData(null)).toBe('null');
    expect(codeOf(() => serializeData(undefined))).toBe('CD_BAD_REQUEST');
    expect(codeOf(() => serializeData(() => 1))).toBe('CD_BAD_REQUEST');
    expect(codeOf(() => serializeData({ big: 1n }))).toBe('CD_BAD_REQUEST');
    expect(codeOf(() => serializeData({ s: 'a\u0000' }))).toBe('CD_BAD_REQUEST');
    expect(codeOf(() => serializeData({ '\u0000': 1 }))).toBe('CD_BAD_REQUEST');
    expect(codeOf(() => serializeData(['\ud800']))).toBe('CD_BAD_REQUEST');
    expect(serializeData('\\u0000 \\ud800 😀')).toBe('"\\\\u0000 \\\\ud800 😀"');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => serializeData(cyclic))).toBe('CD_BAD_REQUEST');
  });

  it('stamps times from the injected clock', () => {
    const clock = () => new Date(T1);
    expect(stampCreate(clock)).toEqual({ createdAt: T1, updatedAt: T1 });
    expect(stampUpdate(clock)).toBe(T1);
  });

  it('tells a missing record from a stale version', () => {
    expect(staleUpdate('task', 'a', 1, null)).toBeInstanceOf(NotFoundError);
    const conflict = staleUpdate('task', 'a', 1, 3);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict.details).toMatchObject({ expectedVersion: 1, actualVersion: 3 });
  });

  it('refuses a schema newer than the code', () => {
    expect(
      codeOf(() => {
        assertKnownSchema('sqlite', 'sqlite:x', 1, 1);
      }),
    ).toBeNull();
    expect(
      codeOf(() => {
        assertKnownSchema('sqlite', 'sqlite:x', 2, 1);
      }),
    ).toBe('CD_INVALID_CONFIG');
  });

  it('hides passwords in locations', () => {
    expect(storeLocation('postgres://u:pw@h/db')).toBe('postgres://u:***@h/db');
    expect(storeLocation('postgres://h/db?password=pw&x=1')).toBe(
      'postgres://h/db?password=***&x=1',
    );
    expect(storeLocation('sqlite:/data/x.db')).toBe('sqlite:/data/x.db');
  });
});
