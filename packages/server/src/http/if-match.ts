import { CodedanceError } from '@codedance/core';

/**
 * The version an `If-Match` header names (`"3"`, `3` or `W/"3"`), for an
 * update that must not overwrite someone else's change; undefined without one.
 */
export function expectedVersion(
  header: string | string[] | undefined,
  kind: string,
): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(value?.trim() ?? '');
  if (!match) {
    throw new CodedanceError('CD_BAD_REQUEST', {
      message: `If-Match must be the version number of the ${kind}, e.g. "3".`,
    });
  }
  return Number(match[1]);
}
