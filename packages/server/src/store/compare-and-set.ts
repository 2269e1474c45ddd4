import { AlreadyExistsError, CodedanceError, ConflictError } from '@codedance/core';
import type { Store, StoredRecord } from './types.js';

/** How many times a change re-reads after losing a race before it gives up with a 409. */
const MAX_ATTEMPTS = 50;

/** What a decision does: write `data` (and answer `result`), or leave the record as it is. */
export type Decision<T, R> = { write: T; result: R } | { result: R };

/**
 * Changes one record by compare-and-set: read it, decide, write it only if nobody wrote it in
 * between (its version, or its absence, is what was read), else read again and decide again.
 * Every store backend checks the version atomically, so racing writers — requests of one server or
 * several servers — are serialised without a lock.
 */
export async function compareAndSet<T, R>(
  store: Store,
  key: { tenant: string; kind: string; id: string },
  decide: (current: StoredRecord<T> | null) => Decision<T, R>,
): Promise<R> {
  const { tenant, kind, id } = key;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.get<T>(tenant, kind, id);
    const decision = decide(current);
    if (!('write' in decision)) return decision.result;
    try {
      if (current) await store.update(tenant, kind, id, decision.write, current.version);
      else await store.create(tenant, kind, id, decision.write);
      return decision.result;
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof AlreadyExistsError)) throw error;
    }
  }
  throw new CodedanceError('CD_CONFLICT', {
    message: `The ${kind} '${id}' is changing too fast to change; retry.`,
    details: { tenant, kind, id },
  });
}
