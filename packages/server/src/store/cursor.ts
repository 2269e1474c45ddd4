import { CodedanceError } from '@codedance/core';
import type { ListKey } from './types.js';

/**
 * A position in a list: the key of the last item returned. `createdAt` is
 * null in a list ordered by id alone.
 */
export interface CursorPosition {
  createdAt: string | null;
  id: string;
}

/** Encodes a position as an opaque URL-safe token. */
export function encodeCursor(position: CursorPosition): string {
  const key = position.createdAt === null ? [position.id] : [position.createdAt, position.id];
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function refused(message = 'cursor is not a value returned by a previous page'): CodedanceError {
  return new CodedanceError('CD_BAD_REQUEST', { message, details: { field: 'cursor' } });
}

/**
 * Decodes a token from `encodeCursor` for a list ordered by `by`; a bad
 * token, or one from a list of the other order, is a 400, not a crash.
 */
export function decodeCursor(token: string, by: ListKey = 'created'): CursorPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(value) || !value.every((part) => typeof part === 'string')) throw refused();
  const [first, second]: string[] = value;
  if (first !== undefined && second !== undefined && value.length === 2 && by === 'created') {
    return { createdAt: first, id: second };
  }
  if (first !== undefined && value.length === 1 && by === 'id')
    return { createdAt: null, id: first };
  if (value.length === 1 || value.length === 2) {
    throw refused(`cursor belongs to a list ordered by ${by === 'id' ? 'creation' : 'id'}`);
  }
  throw refused();
}
