import { CodedanceError } from '@codedance/core';
import type { LeaseRow } from './lease-rules.js';
import { assertKnownSchema } from './rules.js';
import type { StoredRecord } from './types.js';

/*
 * The JSON backend's file: `{ "format": 2, "records": [...], "leases": [...] }`,
 * one record or lease a line so that a person can read and diff it.
 */

/**
 * The version of the file layout. 2 added `leases`; a format 1 file is read
 * as having none. An older Codedance refuses a format 2 file rather than
 * drop its leases, whose tokens must never go back.
 */
export const JSON_FORMAT_VERSION = 2;

/** A record as held in memory: data stays JSON text, so no caller can mutate the store's copy. */
export type Entry = Omit<StoredRecord, 'data'> & { data: string };

/** One record as a line of the file; the data text is spliced in as it is. */
function entryLine({ data, ...meta }: Entry): string {
  return `${JSON.stringify(meta).slice(0, -1)},"data":${data}}`;
}

function notAStore(path: string, reason: string, cause?: unknown): CodedanceError {
  return new CodedanceError('CD_INVALID_CONFIG', {
    message: `${path} is not a Codedance JSON store: ${reason}.`,
    details: { field: 'store.url' },
    cause,
  });
}

/** What a file holds. */
export interface FileContent {
  entries: Entry[];
  leases: Map<string, LeaseRow>;
}

/** A lease as a line of the file. */
interface LeaseLine {
  name: string;
  holder: string | null;
  token: number;
  expiresAt: string | null;
}

/** Reads a file; one that is not a store, or is from a newer Codedance, is refused. */
export function parseFile(path: string, text: string): FileContent {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (cause) {
    throw notAStore(path, 'it is not valid JSON', cause);
  }
  const { format, records, leases } = (file ?? {}) as {
    format?: unknown;
    records?: unknown;
    leases?: unknown;
  };
  if (typeof format !== 'number' || !Array.isArray(records))
    throw notAStore(path, 'format or records is missing');
  assertKnownSchema('json', `json:${path}`, format, JSON_FORMAT_VERSION);
  if (leases !== undefined && !Array.isArray(leases)) throw notAStore(path, 'leases is not a list');
  return {
    entries: parseEntries(path, records as Partial<StoredRecord>[]),
    leases: parseLeases(path, (leases ?? []) as Partial<LeaseLine>[]),
  };
}

function parseLeases(path: string, lines: Partial<LeaseLine>[]): Map<string, LeaseRow> {
  const leases = new Map<string, LeaseRow>();
  for (const { name, holder, token, expiresAt } of lines) {
    const expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : null;
    if (
      typeof name !== 'string' ||
      (holder !== null && typeof holder !== 'string') ||
      typeof token !== 'number' ||
      Number.isNaN(expiresAtMs) ||
      (expiresAt !== null && expiresAtMs === null)
    ) {
      throw notAStore(path, `a lease lacks a field (${JSON.stringify(name ?? null)})`);
    }
    leases.set(name, { holder, token, expiresAtMs });
  }
  return leases;
}

function parseEntries(path: string, records: Partial<StoredRecord>[]): Entry[] {
  return records.map((r) => {
    const { tenant, kind, id, version, createdAt, updatedAt } = r;
    if (
      typeof tenant !== 'string' ||
      typeof kind !== 'string' ||
      typeof id !== 'string' ||
      typeof version !== 'number' ||
      typeof createdAt !== 'string' ||
      typeof updatedAt !== 'string' ||
      !('data' in r)
    ) {
      throw notAStore(path, `a record lacks a field (${JSON.stringify(id ?? null)})`);
    }
    return { tenant, kind, id, version, createdAt, updatedAt, data: JSON.stringify(r.data) };
  });
}

function leaseLine(name: string, { holder, token, expiresAtMs }: LeaseRow): string {
  const expiresAt = expiresAtMs === null ? null : new Date(expiresAtMs).toISOString();
  return JSON.stringify({ name, holder, token, expiresAt } satisfies LeaseLine);
}

/** The whole file for these entries and leases. */
export function formatFile(entries: Iterable<Entry>, leases: Iterable<[string, LeaseRow]>): string {
  const records = Array.from(entries, entryLine);
  const leaseLines = Array.from(leases, ([name, row]) => leaseLine(name, row));
  return (
    `{"format":${JSON_FORMAT_VERSION},"records":[\n${records.join(',\n')}\n],` +
    `"leases":[\n${leaseLines.join(',\n')}\n]}\n`
  );
}
