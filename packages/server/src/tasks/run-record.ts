import type { Logger } from 'pino';
import { TASK_RUN_KIND, runRecordId, type RunData } from './records.js';
import type { StoreAccess } from './task-state.js';

/** How long the final record of a run is retried through a store outage: about five minutes. */
const FINAL_ATTEMPTS = 60;

/**
 * The stored record of one run and the one writer of it. Writes are
 * serialised, so each names the version the previous one made; the
 * record is created by the first.
 */
export class RunRecord {
  #data: RunData;
  #version: number;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(
    data: RunData,
    version: number,
    private readonly store: StoreAccess,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    this.#data = data;
    this.#version = version;
  }

  get(): RunData {
    return this.#data;
  }

  /** Changes the record in memory; `save` writes it. */
  patch(patch: Partial<RunData>): void {
    this.#data = { ...this.#data, ...patch };
  }

  /** Writes the record as it is now (a snapshot: later patches wait for the next write). */
  save(): Promise<void> {
    const write = this.#writes.then(async () => {
      const store = this.store();
      const id = runRecordId(this.#data.task, this.#data.run);
      const snapshot = { ...this.#data };
      const saved =
        this.#version === 0
          ? await store.create(this.store.tenant, TASK_RUN_KIND, id, snapshot)
          : await store.update(this.store.tenant, TASK_RUN_KIND, id, snapshot, this.#version);
      this.#version = saved.version;
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** The final record must not be lost to a short store outage: retries, waiting longer each time. */
  async saveFinal(): Promise<void> {
    for (let attempt = 0; attempt < FINAL_ATTEMPTS; attempt++) {
      try {
        await this.save();
        return;
      } catch (error) {
        this.logger.warn(
          { err: error, task: this.#data.task, run: this.#data.run },
          'recording the end of a run failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }
}
