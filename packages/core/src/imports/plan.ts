import { escapePointer } from '../validation/index.js';
import type { ServiceSpec } from '../services/index.js';
import type { TaskSpec } from '../tasks/index.js';

/** What an import would do to tasks, computed without doing it (a dry run). */
export interface ImportPlan {
  create: string[];
  /** `changed` lists the JSON pointers whose values differ (`/environment/DB_HOST`). */
  update: { id: string; changed: string[] }[];
  remove: string[];
  unchanged: string[];
}

/** What an import would do to services: they are created, updated or left alone, never removed. */
export type ServicePlan = Omit<ImportPlan, 'remove'>;

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
  const plan = compare(
    new Map(existing.map((task) => [task.id, task])),
    new Map(incoming.map((task) => [task.id, task])),
  );
  const listed = new Set(incoming.map((task) => task.id));
  return {
    ...plan,
    remove: options.prune ? existing.map((t) => t.id).filter((id) => !listed.has(id)) : [],
  };
}

/**
 * Compares validated service definitions by name, as `planImport` does
 * tasks: what applying `incoming` creates, updates (with the pointers that
 * differ) and leaves alone. Services the import does not list are kept.
 */
export function planServices(
  existing: readonly ServiceSpec[],
  incoming: readonly ServiceSpec[],
): ServicePlan {
  return compare(
    new Map(existing.map((spec) => [spec.name, spec])),
    new Map(incoming.map((spec) => [spec.name, spec])),
  );
}

function compare(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>) {
  const plan: ServicePlan = { create: [], update: [], unchanged: [] };
  for (const [id, item] of after) {
    const current = before.get(id);
    if (current === undefined) {
      plan.create.push(id);
      continue;
    }
    const changed = changedPaths(current, item, '');
    if (changed.length === 0) plan.unchanged.push(id);
    else plan.update.push({ id, changed });
  }
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
