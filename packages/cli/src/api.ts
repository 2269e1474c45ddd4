import type { Health } from '@codedance/api';
import { isRecord } from './client.js';

/**
 * True when a body looks like Codedance's `/health`. A different program on
 * the same port answers something else, and the doctor says so.
 */
export function isHealthAnswer(body: unknown): body is Health {
  if (!isRecord(body) || (body.status !== 'ok' && body.status !== 'unavailable')) return false;
  if (body.store === undefined) return Object.keys(body).length === 1;
  return (
    typeof body.live === 'boolean' &&
    typeof body.ready === 'boolean' &&
    isRecord(body.store) &&
    typeof body.store.backend === 'string' &&
    typeof body.store.ok === 'boolean'
  );
}
