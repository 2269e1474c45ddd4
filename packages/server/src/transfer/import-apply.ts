import {
  CodedanceError,
  planImport,
  planServices,
  withKeptSecrets,
  type ErrorBody,
  type ImportPlan,
  type ServicePlan,
  type ServiceSpec,
  type TaskSpec,
} from '@codedance/core';
import type { TaskController } from '../tasks/index.js';

/** What an import needs of the service supervisor. */
export interface ImportServices {
  /** The stored definitions, secrets included. */
  specs(): ServiceSpec[];
  /** Defines a service and starts it. */
  create(spec: ServiceSpec): Promise<unknown>;
  /** Replaces a definition; a change to what runs rolls a restart (not waited for). */
  update(name: string, spec: ServiceSpec): Promise<unknown>;
}

/** What became of one service of the file. */
export interface ServiceOutcome {
  service: string;
  action: 'create' | 'update' | 'unchanged';
  ok: boolean;
  /** The pointers that differ, for an update. */
  changed?: string[];
  error?: ErrorBody['error'];
}

/** Counts for scripts: what was (or, in a dry run, would be) done. */
export interface ImportSummary {
  tasks: { created: number; updated: number; removed: number; unchanged: number };
  services: { created: number; updated: number; unchanged: number; failed: number };
}

export interface ImportOutcome {
  plan: ImportPlan;
  servicePlan: ServicePlan;
  results: ServiceOutcome[];
  summary: ImportSummary;
}

/**
 * Plans an import against what is stored and, with `apply`, carries it out:
 * tasks are created, updated and (with `prune`) removed; services are
 * created, updated or left alone, each on its own, so one refusal does not
 * stop the others. Applying the same file twice changes nothing the second time.
 */
export async function applyImport(
  input: { tasks: TaskSpec[]; services: ServiceSpec[] },
  targets: { tasks: TaskController; services: ImportServices | null },
  options: { apply: boolean; prune: boolean },
): Promise<ImportOutcome> {
  const controller = targets.tasks;
  // A file exported from here holds masks for its secrets: they mean "keep the stored value".
  const stored = new Map(controller.specs().map((spec) => [spec.id, spec]));
  const tasks = input.tasks.map(
    (task) =>
      withKeptSecrets(
        task,
        'environment',
        stored.get(task.id)?.environment,
        'tasks.json',
      ) as typeof task,
  );
  const plan = planImport(controller.specs(), tasks, { prune: options.prune });
  if (input.services.length > 0 && targets.services === null) {
    throw new CodedanceError('CD_BAD_REQUEST', { message: 'This server cannot create services.' });
  }
  const servicePlan = planServices(targets.services?.specs() ?? [], input.services);
  let results = planned(servicePlan, input.services);
  if (options.apply) {
    for (const task of tasks) {
      if (plan.create.includes(task.id)) await controller.create(task);
      else if (plan.update.some((u) => u.id === task.id)) await controller.update(task.id, task);
    }
    for (const id of plan.remove) await controller.remove(id);
    if (targets.services !== null) results = await applyServices(targets.services, results, input);
  }
  return { plan, servicePlan, results, summary: summarize(plan, results) };
}

function planned(plan: ServicePlan, services: readonly ServiceSpec[]): ServiceOutcome[] {
  const updates = new Map(plan.update.map((u) => [u.id, u.changed]));
  return services.map(({ name }): ServiceOutcome => {
    const changed = updates.get(name);
    if (changed !== undefined) return { service: name, action: 'update', ok: true, changed };
    return { service: name, action: plan.create.includes(name) ? 'create' : 'unchanged', ok: true };
  });
}

async function applyServices(
  services: ImportServices,
  outcomes: readonly ServiceOutcome[],
  input: { services: ServiceSpec[] },
): Promise<ServiceOutcome[]> {
  const specs = new Map(input.services.map((spec) => [spec.name, spec]));
  const done: ServiceOutcome[] = [];
  for (const outcome of outcomes) {
    const spec = specs.get(outcome.service);
    if (spec === undefined || outcome.action === 'unchanged') {
      done.push(outcome);
      continue;
    }
    try {
      if (outcome.action === 'create') await services.create(spec);
      else await services.update(spec.name, spec);
      done.push(outcome);
    } catch (error) {
      const coded =
        error instanceof CodedanceError
          ? error
          : new CodedanceError('CD_INTERNAL', { cause: error });
      done.push({ ...outcome, ok: false, error: coded.toBody().error });
    }
  }
  return done;
}

function summarize(plan: ImportPlan, results: readonly ServiceOutcome[]): ImportSummary {
  const count = (action: ServiceOutcome['action']) =>
    results.filter((r) => r.ok && r.action === action).length;
  return {
    tasks: {
      created: plan.create.length,
      updated: plan.update.length,
      removed: plan.remove.length,
      unchanged: plan.unchanged.length,
    },
    services: {
      created: count('create'),
      updated: count('update'),
      unchanged: count('unchanged'),
      failed: results.filter((r) => !r.ok).length,
    },
  };
}
