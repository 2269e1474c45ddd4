import { escapePointer } from '../validation/index.js';
import type { TaskSpec } from '../tasks/index.js';

/** What an import would do, computed without doing it (a dry run). */
export interface ImportPlan {
  create: string[];
  /** `changed` lists the JSON pointers whose values differ (`/environment/DB_HOST`). */
  update: { id: string; changed: string[] }[];
  remove: string[];
  unchanged: string[];
}

/**
 * Compares validated tasks (defaults applied on both sides, so a field
 * written out with its default value is not a change). With `prune`, tasks
 * missing from the import are removed; without it they are kept. Ids are
 * listed in the order of their side; when `incoming` repeats an id, the
 * later entry wins.
 */
export function planImport(
  existing: readonly TaskSpec[],
  incoming: readonly TaskSpec[],
  options: { prune: boolean },
): ImportPlan {
  const before = new Map(existing.map((task) => [task.id, task]));
  const after = new Map(incoming.map((task) => [task.id, task]));
  const plan: ImportPlan = { create: [], update: [], remove: [], unchanged: [] };
  for (const [id, task] of after) {
    const current = before.get(id);
    if (current === undefined) {
      plan.create.push(id);
      continue;
    }
    const changed = changedPaths(current, task, '');
    if (changed.length === 0) plan.unchanged.push(id);
    else plan.update.push({ id, changed });
  }
  if (options.prune) plan.remove = [...before.keys()].filter((id) => !after.has(id));
  return plan;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Leaf pointers that differ; objects are walked, arrays compared whole. */
function changedPaths(a: unknown, b: unknown, prefix: string): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) => changedPaths(a[key], b[key], `${prefix}/${escapePointer(key)}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}
