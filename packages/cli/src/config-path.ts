import { isRecord } from './client.js';

/**
 * Turns what a person types (`logging.level`, `/logging/level`, `logging`)
 * into a JSON pointer, the form the server keys its sources by. Returns
 * null for a path with an empty segment (`logging..level`).
 */
export function toPointer(path: string): string | null {
  const trimmed = path.trim();
  if (trimmed === '' || trimmed === '/' || trimmed === '.') return '';
  const segments = trimmed.startsWith('/')
    ? trimmed.replace(/\/+$/, '').slice(1).split('/').map(unescapeSegment)
    : trimmed.split('.');
  if (segments.some((s) => s === '')) return null;
  return segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function unescapeSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** `/logging/level` → `logging.level`, the way the CLI shows paths. */
export function toDotted(pointer: string): string {
  return pointer.split('/').slice(1).map(unescapeSegment).join('.');
}

export type Lookup = { found: true; value: unknown } | { found: false };

/** Reads the value at a JSON pointer; array elements are addressed by index. */
export function lookup(root: unknown, pointer: string): Lookup {
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = unescapeSegment(raw);
    if (Array.isArray(node) && /^\d+$/.test(key) && Number(key) < node.length) {
      node = node[Number(key)];
    } else if (isRecord(node) && Object.hasOwn(node, key)) {
      node = node[key];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

/**
 * Every leaf under a value with its pointer. Arrays are leaves, as they are
 * in the server's source map: a list is set as a whole.
 */
export function leaves(value: unknown, prefix = ''): [pointer: string, value: unknown][] {
  if (!isRecord(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, child]) =>
    leaves(child, `${prefix}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
  );
}

/** A setting's value as one short cell: strings bare, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '""' : value;
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
