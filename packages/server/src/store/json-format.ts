import { CodedanceError } from '@codedance/core';
import { assertKnownSchema } from './rules.js';
import type { StoredRecord } from './types.js';

/*
 * The JSON backend's file: `{ "format": 1, "records": [...] }`, one record
 * a line so that a person can read and diff it.
 */

/** The version of the file layout `{ format, records }`. */
export const JSON_FORMAT_VERSION = 1;

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

/** Reads the records of a file; one that is not a store, or is from a newer Codedance, is refused. */
export function parseEntries(path: string, text: string): Entry[] {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (cause) {
    throw notAStore(path, 'it is not valid JSON', cause);
  }
  const { format, records } = (file ?? {}) as { format?: unknown; records?: unknown };
  if (typeof format !== 'number' || !Array.isArray(records))
    throw notAStore(path, 'format or records is missing');
  assertKnownSchema('json', `json:${path}`, format, JSON_FORMAT_VERSION);
  return records.map((r: Partial<StoredRecord>) => {
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

/** The whole file for these entries. */
export function formatFile(entries: Iterable<Entry>): string {
  const lines = Array.from(entries, entryLine);
  return `{"format":${JSON_FORMAT_VERSION},"records":[\n${lines.join(',\n')}\n]}\n`;
}
