import { CodedanceError, ConflictError, NotFoundError, redactUrl } from '@codedance/core';
import { decodeCursor, encodeCursor, type CursorPosition } from './cursor.js';
import {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  type ListKey,
  type ListOptions,
  type Page,
  type StoreBackend,
  type StoredRecord,
  type Where,
} from './types.js';
import { systemDateClock } from '../clock.js';

/*
 * The rules every backend shares, as pure functions, so that the four
 * adapters differ only in how they talk to their storage.
 */

/** Where the store reads the time; tests pass a clock they control. */
export type Clock = () => Date;

export const systemClock: Clock = systemDateClock;

/** Options every adapter accepts. */
export interface StoreOptions {
  clock?: Clock;
  /** Told of connection errors no call is waiting for (an idle connection dropped); for logging. */
  onError?: (error: Error) => void;
}

export const MAX_ID_LENGTH = 200;

/** A `where` field must be a plain identifier, so it can never carry SQL or a JSON path. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** ISO-8601 as `Date#toISOString` writes it; only such times are ever stored. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A lone surrogate cannot be encoded as UTF-8, so no backend could store it faithfully. */
const LONE_SURROGATE = /\p{Cs}/u;

export function badRequest(message: string, details: Record<string, unknown>): CodedanceError {
  return new CodedanceError('CD_BAD_REQUEST', { message, details });
}

/** The page size to use: the default when unset, clamped to 1..1000 otherwise. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT;
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit)));
}

/**
 * Checks a tenant, kind and (when given) id. NUL and lone surrogates are
 * refused because PostgreSQL text cannot hold NUL and UTF-8 cannot hold a
 * lone surrogate; refusing them everywhere keeps the backends interchangeable.
 */
export function assertKey(tenant: string, kind: string, id?: string): void {
  assertName('tenant', tenant);
  assertName('kind', kind);
  if (id !== undefined) assertName('id', id);
}

/** Checks one name the store keys by (a tenant, kind, id, lease or holder), as `assertKey` does. */
export function assertName(field: string, value: string): void {
  if (value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw badRequest(`${field} must be 1 to ${MAX_ID_LENGTH} characters long.`, { field });
  }
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
    throw badRequest(`${field} contains a character that cannot be stored.`, { field });
  }
}

/** The `where` filters as checked pairs; throws CD_BAD_REQUEST naming the first bad field. */
export function whereEntries(where: Where | undefined): WhereEntry[] {
  if (where === undefined) return [];
  const entries = Object.entries(where);
  for (const [field, value] of entries) {
    if (!FIELD_NAME.test(field)) {
      throw badRequest(`where field '${field}' is not a plain field name.`, {
        field: `where.${field}`,
      });
    }
    const type = typeof value;
    const scalar =
      value === null ||
      type === 'string' ||
      type === 'boolean' ||
      (type === 'number' && Number.isFinite(value));
    if (!scalar) {
      throw badRequest(
        `where field '${field}' must be a string, a finite number, a boolean or null.`,
        {
          field: `where.${field}`,
        },
      );
    }
  }
  return entries;
}

/** True when `data` has every `where` field; null also matches an absent field. */
export function matchesWhere(data: unknown, entries: readonly [string, unknown][]): boolean {
  if (entries.length === 0) return true;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return entries.every(([, value]) => value === null);
  }
  const fields = data as Record<string, unknown>;
  return entries.every(
    ([field, value]) => (Object.hasOwn(fields, field) ? fields[field] : null) === value,
  );
}

/**
 * NUL, or a lone surrogate, as JSON.stringify escapes them; an even run of
 * backslashes before one is literal text, not an escape.
 */
const UNSTORABLE_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * Serialises record data; anything that is not JSON is a 400. So is a string
 * holding NUL or a lone surrogate: PostgreSQL's jsonb refuses both, and the
 * backends must accept the same data.
 */
export function serializeData(data: unknown): string {
  // JSON.stringify returns undefined for undefined, functions and symbols.
  let text: unknown;
  try {
    text = JSON.stringify(data);
  } catch (cause) {
    throw new CodedanceError('CD_BAD_REQUEST', {
      message: 'data cannot be stored as JSON.',
      cause,
    });
  }
  if (typeof text !== 'string') throw badRequest('data must be a JSON value.', { field: 'data' });
  if (UNSTORABLE_ESCAPE.test(text)) {
    throw badRequest('data holds a NUL character or a lone surrogate, which cannot be stored.', {
      field: 'data',
    });
  }
  return text;
}

/**
 * Compares by Unicode code point, which is UTF-8 byte order: the order
 * SQLite (BINARY), PostgreSQL (COLLATE "C") and Redis (lex) sort in.
 * Plain `<` compares UTF-16 units and would disagree past U+FFFF.
 */
export function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Moves surrogates (D800–DFFF, the halves of code points above FFFF) after E000–FFFF.
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Orders positions by (createdAt, id), ascending; by id alone where a createdAt is null. */
export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  const time =
    a.createdAt === null || b.createdAt === null ? 0 : compareText(a.createdAt, b.createdAt);
  return time || compareText(a.id, b.id);
}

/** Decodes a list cursor and checks its time, so a backend never sees a malformed one. */
export function parseCursor(
  token: string | undefined,
  by: ListKey = 'created',
): CursorPosition | null {
  if (token === undefined) return null;
  const position = decodeCursor(token, by);
  if (position.createdAt === null) {
    assertName('cursor', position.id);
    return position;
  }
  if (!ISO_TIME.test(position.createdAt) || Number.isNaN(Date.parse(position.createdAt))) {
    throw badRequest('cursor is not a value returned by a previous page', { field: 'cursor' });
  }
  return position;
}

/** True when `position` comes after `cursor` in the listing order. */
export function isAfterCursor(
  position: CursorPosition,
  cursor: CursorPosition | null,
  order: 'asc' | 'desc',
): boolean {
  if (cursor === null) return true;
  const c = comparePositions(position, cursor);
  return order === 'asc' ? c > 0 : c < 0;
}

/**
 * The ids starting with a prefix as a half-open range [from, to): `to` is
 * the prefix with its last code point raised by one, or null when no
 * string bounds it (the prefix ends in U+10FFFF), where a backend checks
 * the prefix itself.
 */
export interface IdRange {
  prefix: string;
  /** The prefix's length in code points, as SQL's substr counts. */
  length: number;
  from: string;
  to: string | null;
}

export function idRange(prefix: string | undefined): IdRange | null {
  if (prefix === undefined || prefix === '') return null;
  assertName('idPrefix', prefix);
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  const length = points.length;
  for (let last = points.pop(); last !== undefined; last = points.pop()) {
    if (last < 0x10ffff) {
      // Skip the surrogate block: it is not a code point a stored id can hold.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return { prefix, length, from: prefix, to: String.fromCodePoint(...points, next) };
    }
  }
  return { prefix, length, from: prefix, to: null };
}

/** True when `id` lies in the range (or there is none). */
export function inIdRange(id: string, range: IdRange | null): boolean {
  return range === null || id.startsWith(range.prefix);
}

/**
 * Builds a page from up to `limit + 1` rows in listing order: the extra row
 * only tells that another page exists, so the last page has no cursor.
 */
export function toPage<T>(
  rows: StoredRecord<T>[],
  limit: number,
  by: ListKey = 'created',
  total?: number,
): Page<T> {
  const counted = total === undefined ? {} : { total };
  if (rows.length <= limit) return { items: rows, nextCursor: null, ...counted };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: last
      ? encodeCursor({ createdAt: by === 'id' ? null : last.createdAt, id: last.id })
      : null,
    ...counted,
  };
}

/** The times of a new record. */
export function stampCreate(clock: Clock): { createdAt: string; updatedAt: string } {
  const now = clock().toISOString();
  return { createdAt: now, updatedAt: now };
}

/** The time of a write. */
export function stampUpdate(clock: Clock): string {
  return clock().toISOString();
}

/**
 * Refuses storage written by a newer Codedance: reading it could
 * misinterpret data, and writing could corrupt it.
 */
export function assertKnownSchema(
  backend: StoreBackend,
  location: string,
  found: number,
  latest: number,
): void {
  if (found > latest) {
    throw new CodedanceError('CD_INVALID_CONFIG', {
      message:
        `The ${backend} store at ${location} has schema version ${found}, but this Codedance knows ` +
        `versions up to ${latest}. Upgrade Codedance, or point store.url at another store.`,
      details: { field: 'store.url', schemaVersion: found, latestSchemaVersion: latest },
    });
  }
}

/**
 * The error for a conditional update that changed nothing: the record is
 * gone (`actual` null) or another writer moved its version on.
 */
export function staleUpdate(
  kind: string,
  id: string,
  expected: number,
  actual: number | null,
): CodedanceError {
  return actual === null
    ? new NotFoundError(kind, id)
    : new ConflictError(kind, id, expected, actual);
}

/**
 * A store URL fit to show: no password, neither in the user part nor in a
 * `password` query parameter, which pg also accepts.
 */
export function storeLocation(url: string): string {
  return redactUrl(url).replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** One checked `where` equality. */
export type WhereEntry = [string, string | number | boolean | null];

/** A list request, checked, with its defaults filled in. */
export interface ListPlan {
  limit: number;
  cursor: CursorPosition | null;
  where: WhereEntry[];
  ids: IdRange | null;
  by: ListKey;
  order: 'asc' | 'desc';
  withTotal: boolean;
}

/** Checks the scope and filters of a count. */
export function planCount(tenant: string, kind: string, where: Where | undefined): WhereEntry[] {
  assertKey(tenant, kind);
  return whereEntries(where);
}

function oneOf<T extends string>(value: unknown, allowed: readonly [T, ...T[]], field: string): T {
  if (value === undefined) return allowed[0];
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw badRequest(`${field} must be one of ${allowed.join(', ')}.`, { field });
  }
  return value as T;
}

/** Checks a list request before any backend sees it. */
export function planList(tenant: string, kind: string, options: ListOptions): ListPlan {
  // Checked again at run time: a caller's options may come from a request.
  const by = oneOf<ListKey>(options.by, ['created', 'id'], 'by');
  const order = oneOf(options.order, ['asc', 'desc'], 'order');
  return {
    where: planCount(tenant, kind, options.where),
    ids: idRange(options.idPrefix),
    limit: clampLimit(options.limit),
    cursor: parseCursor(options.cursor, by),
    by,
    order,
    withTotal: options.withTotal === true,
  };
}

/** Checks a new record and stamps its times. */
export function planCreate(
  clock: Clock,
  key: { tenant: string; kind: string; id: string },
  data: unknown,
): { text: string; createdAt: string; updatedAt: string } {
  assertKey(key.tenant, key.kind, key.id);
  return { text: serializeData(data), ...stampCreate(clock) };
}

/** Checks an update and stamps its time. */
export function planUpdate(
  clock: Clock,
  key: { tenant: string; kind: string; id: string },
  data: unknown,
): { text: string; updatedAt: string } {
  assertKey(key.tenant, key.kind, key.id);
  return { text: serializeData(data), updatedAt: stampUpdate(clock) };
}

/**
 * Wraps `open` so that concurrent calls share one attempt and cannot open
 * twice, while a call after a failure tries again.
 */
export function sharedAttempt(attempt: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => {
    running ??= attempt().finally(() => {
      running = null;
    });
    return running;
  };
}

/** The error for a call made before `open()` or after `close()`. */
export function notOpen(backend: StoreBackend): CodedanceError {
  return new CodedanceError('CD_INTERNAL', {
    message: `The ${backend} store is not open; call open() first.`,
  });
}
