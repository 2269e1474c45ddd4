import { ValidationError, validateTaskSpec, type TaskSpec } from '@codedance/core';
import { listAll, type StoredRecord } from '../store/index.js';
import { TASK_KIND, TASK_STATE_KIND, type TaskData } from './records.js';
import type { StoreAccess } from './task-state.js';

/** Checks a new definition; every problem is reported at once (400 CD_VALIDATION_FAILED). */
export function validateDefinition(input: unknown): TaskSpec {
  const result = validateTaskSpec(input);
  if (!result.ok) throw new ValidationError(result.problems, 'task');
  return result.value;
}

/**
 * Checks a replacement for task `id`. The body may leave the id out; one
 * that names another id is refused, as ids cannot change.
 */
export function validateReplacement(id: string, input: unknown): TaskSpec {
  const spec = validateDefinition({
    ...(input as object),
    id: (input as { id?: unknown }).id ?? id,
  });
  if (spec.id !== id) {
    throw new ValidationError(
      [{ path: '/id', message: `must be '${id}' (ids cannot be changed)` }],
      'task',
    );
  }
  return spec;
}

/** The definition with its schedule switched on or off; flipped when `enabled` is not given. */
export function toggled(spec: TaskSpec, enabled?: boolean): TaskSpec {
  return { ...spec, enabled: enabled ?? !spec.enabled };
}

/** The stored task definitions: what the API writes. */
export class TaskDefinitions {
  constructor(private readonly store: StoreAccess) {}

  all(): Promise<StoredRecord<TaskData>[]> {
    return listAll<TaskData>(this.store(), this.store.tenant, TASK_KIND);
  }

  /** Stores a new definition; 409 CD_ALREADY_EXISTS when the id is taken. */
  create(spec: TaskSpec): Promise<StoredRecord<TaskData>> {
    return this.store().create<TaskData>(this.store.tenant, TASK_KIND, spec.id, { spec });
  }

  /** Replaces a definition if it is still at `expectedVersion`; 409 CD_CONFLICT otherwise. */
  replace(spec: TaskSpec, expectedVersion: number): Promise<StoredRecord<TaskData>> {
    return this.store().update<TaskData>(
      this.store.tenant,
      TASK_KIND,
      spec.id,
      { spec },
      expectedVersion,
    );
  }

  /** Deletes a definition and its state (its runs are the run history's). */
  async remove(id: string): Promise<void> {
    const store = this.store();
    await store.delete(this.store.tenant, TASK_KIND, id);
    await store.delete(this.store.tenant, TASK_STATE_KIND, id);
  }
}
