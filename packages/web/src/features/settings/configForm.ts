/** One setting of the configuration, by its JSON pointer (`/server/port`). */
export interface Leaf {
  path: string;
  value: unknown;
  kind: 'boolean' | 'number' | 'string' | 'list' | 'null';
}

/** Every leaf setting of a configuration, in document order. */
export function leaves(config: Record<string, unknown>, prefix = ''): Leaf[] {
  const out: Leaf[] = [];
  for (const [key, value] of Object.entries(config)) {
    const path = `${prefix}/${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...leaves(value as Record<string, unknown>, path));
      continue;
    }
    const kind: Leaf['kind'] =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'list'
          : typeof value === 'boolean'
            ? 'boolean'
            : typeof value === 'number'
              ? 'number'
              : 'string';
    out.push({ path, value, kind });
  }
  return out;
}

/** Values the server hides; they cannot be edited from here. */
export function isRedacted(value: unknown): boolean {
  return typeof value === 'string' && (value === '[redacted]' || /:\/\/[^/@]*:\*\*\*@/.test(value));
}

/** What an input shows for a value. */
export function toInput(leaf: Leaf): string | boolean {
  if (leaf.kind === 'boolean') return leaf.value as boolean;
  if (leaf.kind === 'list') return (leaf.value as unknown[]).join(', ');
  if (leaf.kind === 'null') return '';
  return String(leaf.value);
}

/** The value an input stands for, in the type the setting had. */
export function fromInput(leaf: Leaf, input: string | boolean): unknown {
  if (leaf.kind === 'boolean') return input === true;
  const text = String(input).trim();
  if (leaf.kind === 'list')
    return text === ''
      ? []
      : text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (leaf.kind === 'null') return text === '' ? null : text;
  if (leaf.kind === 'number') {
    const n = Number(text);
    return text !== '' && Number.isFinite(n) ? n : text;
  }
  return text;
}

/** Writes `value` at a JSON pointer in a nested object, creating the objects on the way. */
export function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('/').slice(1);
  let node = target;
  keys.forEach((key, index) => {
    if (index === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}

/**
 * The edits as a patch for `PUT /api/settings/config`, and the document to
 * check: what the file sets now (settings whose source is the file, secrets
 * left out) with the edits on top.
 */
export function buildChange(
  all: readonly Leaf[],
  edits: ReadonlyMap<string, string | boolean>,
  sources: Record<string, string>,
): { patch: Record<string, unknown>; candidate: Record<string, unknown>; changed: string[] } {
  const patch: Record<string, unknown> = {};
  const candidate: Record<string, unknown> = {};
  const changed: string[] = [];
  for (const leaf of all) {
    const edit = edits.get(leaf.path);
    const value = edit === undefined ? leaf.value : fromInput(leaf, edit);
    const differs = edit !== undefined && JSON.stringify(value) !== JSON.stringify(leaf.value);
    if (differs) {
      changed.push(leaf.path);
      setAt(patch, leaf.path, value);
    }
    if ((differs || sources[leaf.path] === 'file') && !isRedacted(value))
      setAt(candidate, leaf.path, value);
  }
  return { patch, candidate, changed };
}
