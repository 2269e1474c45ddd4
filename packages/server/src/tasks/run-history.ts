import { TENANT_DEFAULT, runStats } from '@codedance/core';
import { listAll, type Page, type StoredRecord } from '../store/index.js';
import { TASK_RUN_KIND, runRecordId, type RunData } from './records.js';
import type { StoreAccess } from './task-state.js';

export interface RunPageOptions {
  limit: number;
  cursor?: string | null | undefined;
  order?: 'asc' | 'desc' | undefined;
  withTotal?: boolean;
}

/** Deletions are read in pages this large. */
const DELETE_PAGE = 500;

/** The stored runs of every task: what the history shows, and what is kept of it. */
export class RunHistory {
  constructor(private readonly store: StoreAccess) {}

  /** Runs recorded as RUNNING, of every task: a previous server's runs to re-adopt. */
  running(): Promise<StoredRecord<RunData>[]> {
    return listAll<RunData>(this.store(), TENANT_DEFAULT, TASK_RUN_KIND, { status: 'RUNNING' });
  }

  /**
   * A task's runs, newest first unless `order` says `asc`. The id prefix
   * `<task>/` is exactly this task's records (a task id holds no `/`), read
   * as a primary-key range, so neither the page nor its total reads others.
   */
  page(task: string, options: RunPageOptions): Promise<Page<RunData>> {
    return this.store().list<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, {
      idPrefix: runRecordId(task, ''),
      order: options.order ?? 'desc',
      limit: options.limit,
      withTotal: options.withTotal === true,
      ...(options.cursor === undefined || options.cursor === null
        ? {}
        : { cursor: options.cursor }),
    });
  }

  get(task: string, run: string): Promise<StoredRecord<RunData> | null> {
    return this.store().get<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, runRecordId(task, run));
  }

  /** Runs, success rate and mean duration over the newest `window` finished runs. */
  async stats(task: string, window: number): Promise<ReturnType<typeof runStats>> {
    const page = await this.page(task, { limit: window });
    const finished: Parameters<typeof runStats>[0][number][] = [];
    for (const { data } of page.items) {
      if (data.status !== 'RUNNING') {
        finished.push({ status: data.status, durationMs: data.durationMs });
      }
    }
    return runStats(finished);
  }

  /** Keeps the newest `keep` runs of a task; of the older ones, deletes those that ended. */
  async prune(task: string, keep: number): Promise<void> {
    const store = this.store();
    const total = await store.count(TENANT_DEFAULT, TASK_RUN_KIND, { task });
    if (total <= keep) return;
    const page = await store.list<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, {
      where: { task },
      order: 'asc',
      limit: Math.min(1000, total - keep),
    });
    for (const record of page.items) {
      if (record.data.status !== 'RUNNING') {
        await store.delete(TENANT_DEFAULT, TASK_RUN_KIND, record.id);
      }
    }
  }

  /** Deletes every run of a task. */
  async removeAll(task: string): Promise<void> {
    const store = this.store();
    for (;;) {
      const page = await store.list(TENANT_DEFAULT, TASK_RUN_KIND, {
        where: { task },
        limit: DELETE_PAGE,
      });
      for (const record of page.items) await store.delete(TENANT_DEFAULT, TASK_RUN_KIND, record.id);
      if (page.items.length < DELETE_PAGE) break;
    }
  }
}
