import type { FieldProblem } from '../errors/index.js';
import { nestProblems } from '../tasks/problems.js';
import { validateTaskSpec, type TaskSpec } from '../tasks/index.js';
import { parseBoundedJson } from '../validation/index.js';
import { stripJsonComments } from './json-comments.js';

/** Seed 004's `tasks.json`: the tasks and the file's free-form settings. */
export interface TasksFile {
  tasks: TaskSpec[];
  settings?: Record<string, unknown>;
}

/** The valid tasks of a file, and every problem of the invalid ones. */
export interface ParsedTasks extends TasksFile {
  problems: FieldProblem[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads `tasks.json`: `{ "tasks": [...], "settings": {...} }` or a bare
 * array of tasks. Invalid tasks are left out and reported at their path in
 * the document (`/tasks/3/cron`); a repeated id is reported on the later
 * task, which is left out. `settings` is passed through unread.
 */
export function parseTasksFile(json: unknown): ParsedTasks {
  if (Array.isArray(json)) return { ...collectTasks(json, '') };
  if (!isObject(json)) {
    return {
      tasks: [],
      problems: [{ path: '', message: 'must be an object with "tasks" or an array of tasks' }],
    };
  }
  const problems: FieldProblem[] = Object.keys(json)
    .filter((key) => key !== 'tasks' && key !== 'settings')
    .map((key) => ({ path: `/${key}`, message: 'is not a known field' }));
  const { tasks: entries, settings } = json;
  if (settings !== undefined && !isObject(settings)) {
    problems.push({ path: '/settings', message: 'must be object' });
  }
  if (!Array.isArray(entries)) {
    problems.push({
      path: '/tasks',
      message: entries === undefined ? 'is required' : 'must be array',
    });
  }
  const collected = collectTasks(Array.isArray(entries) ? entries : [], '/tasks');
  return {
    tasks: collected.tasks,
    ...(isObject(settings) ? { settings } : {}),
    problems: [...problems, ...collected.problems],
  };
}

function collectTasks(entries: readonly unknown[], base: string): ParsedTasks {
  const tasks: TaskSpec[] = [];
  const problems: FieldProblem[] = [];
  const firstIndex = new Map<string, number>();
  entries.forEach((entry, index) => {
    const result = validateTaskSpec(entry);
    if (!result.ok) {
      problems.push(...nestProblems(`${base}/${index}`, result.problems));
      return;
    }
    const earlier = firstIndex.get(result.value.id);
    if (earlier !== undefined) {
      problems.push({
        path: `${base}/${index}/id`,
        message: `repeats the id of ${base}/${earlier}`,
      });
      return;
    }
    firstIndex.set(result.value.id, index);
    tasks.push(result.value);
  });
  return { tasks, problems };
}

/** A `jobs/*.json` file read as one task. */
export interface ParsedJob {
  task: TaskSpec | null;
  problems: FieldProblem[];
}

/**
 * Reads one `jobs/*.json` task. Without an `id` the task takes the file's
 * name without `.json` (`jobs/task_001.json` → `task_001`).
 */
export function parseJobFile(fileName: string, json: unknown): ParsedJob {
  const derivedId = isObject(json) && json.id === undefined ? jobIdFromFileName(fileName) : null;
  const result = validateTaskSpec(
    derivedId === null ? json : { ...(json as object), id: derivedId },
  );
  if (result.ok) return { task: result.value, problems: [] };
  const problems = result.problems.map((p) =>
    derivedId !== null && p.path === '/id'
      ? { path: '/id', message: `is missing, and the file name "${derivedId}" is not a valid id` }
      : p,
  );
  return { task: null, problems };
}

/** Reads a job file's text, comments allowed (`#`, `//`, block comments). */
export function parseJobText(fileName: string, text: string): ParsedJob {
  const parsed = parseBoundedJson(stripJsonComments(text));
  if (!parsed.ok) return { task: null, problems: [{ path: '', message: parsed.problem }] };
  return parseJobFile(fileName, parsed.value);
}

function jobIdFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.json$/i, '');
}

/** The JSON export: the shape `parseTasksFile` reads back. */
export function toTasksFile(
  tasks: readonly TaskSpec[],
  settings?: Record<string, unknown>,
): TasksFile {
  return { tasks: [...tasks], ...(settings === undefined ? {} : { settings }) };
}
