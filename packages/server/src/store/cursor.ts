import { CodedanceError } from '@codedance/core';

/** A position in a list: the (createdAt, id) of the last item returned. */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

/** Encodes a position as an opaque URL-safe token. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString(
    'base64url',
  );
}

/** Decodes a token from `encodeCursor`; a bad token is a 400, not a crash. */
export function decodeCursor(token: string): CursorPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new CodedanceError('CD_BAD_REQUEST', {
    message: 'cursor is not a value returned by a previous page',
    details: { field: 'cursor' },
  });
}
