import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseJobText, planImport, type FieldProblem, type TaskSpec } from '@codedance/core';
import { FileTooLargeError, MAX_DATA_FILE_BYTES, readBoundedText } from '../config/index.js';
import type { TaskController } from '../tasks/index.js';

export interface JobsPlan {
  directory: string;
  files: number;
  plan: ReturnType<typeof planImport>;
  problems: (FieldProblem & { file: string })[];
}

/** Reads every `*.json` of a jobs folder (seed 004: one task per file). */
export async function readJobsFolder(
  directory: string,
): Promise<{ tasks: TaskSpec[]; files: number; problems: (FieldProblem & { file: string })[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { tasks: [], files: 0, problems: [] };
    throw error;
  }
  const tasks: TaskSpec[] = [];
  const problems: (FieldProblem & { file: string })[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = await readBoundedText(join(directory, name), MAX_DATA_FILE_BYTES);
    } catch (error) {
      if (error instanceof FileTooLargeError) {
        problems.push({
          path: '',
          message: `is larger than ${MAX_DATA_FILE_BYTES} bytes`,
          file: name,
        });
      }
      continue;
    }
    const parsed = parseJobText(name, text);
    if (parsed.task) tasks.push(parsed.task);
    for (const problem of parsed.problems) problems.push({ ...problem, file: name });
  }
  return { tasks, files: names.length, problems };
}

/**
 * Keeps tasks in step with a jobs folder: on every change it computes the
 * plan (what would be created or updated), logs it and applies it. Tasks
 * are never deleted because a file disappeared; that is a person's call.
 */
export class JobsWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly directory: string,
    private readonly tasks: () => TaskController,
    private readonly logger: Logger,
  ) {}

  /** The dry run: what applying the folder now would change. */
  async plan(): Promise<JobsPlan> {
    const folder = await readJobsFolder(this.directory);
    const existing = this.tasks().specs();
    return {
      directory: this.directory,
      files: folder.files,
      plan: planImport(existing, folder.tasks, { prune: false }),
      problems: folder.problems,
    };
  }

  /** Applies the folder: creates new tasks, updates changed ones. */
  async apply(): Promise<JobsPlan> {
    const folder = await readJobsFolder(this.directory);
    const controller = this.tasks();
    const plan = planImport(controller.specs(), folder.tasks, { prune: false });
    for (const task of folder.tasks) {
      if (plan.create.includes(task.id)) await controller.create(task);
      else if (plan.update.some((u) => u.id === task.id)) await controller.update(task.id, task);
    }
    for (const problem of folder.problems) {
      this.logger.error(
        { file: problem.file, path: problem.path },
        `jobs folder: ${problem.message}`,
      );
    }
    if (plan.create.length || plan.update.length) {
      this.logger.info(
        { create: plan.create, update: plan.update.map((u) => u.id) },
        'jobs folder applied',
      );
    }
    return { directory: this.directory, files: folder.files, plan, problems: folder.problems };
  }

  /** Applies once, then again whenever a file in the folder changes. */
  start(): void {
    this.schedule(0);
    try {
      this.watcher = watch(this.directory, { persistent: false }, () => {
        this.schedule(200);
      });
      this.watcher.on('error', () => {
        this.stop();
      });
    } catch {
      // No folder yet: nothing to watch. A server restart picks up a folder created later.
      this.watcher = null;
    }
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running.then(() =>
        this.apply().then(
          () => undefined,
          (error: unknown) => {
            this.logger.error({ err: error }, 'applying the jobs folder failed');
          },
        ),
      );
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
