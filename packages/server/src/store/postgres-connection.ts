import { userInfo } from 'node:os';
import { CodedanceError, StoreUnavailableError } from '@codedance/core';

/*
 * How the PostgreSQL backend connects: its URL, and what a failure to reach
 * the server looks like.
 */

/** Lower case only: an unquoted name in search_path is folded to lower case. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Splits our own `schema` parameter off the URL, which pg would otherwise pass to the server. */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string | null } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new CodedanceError('CD_INVALID_CONFIG', {
      message: `store.url: schema '${schema}' must be a lower-case identifier (a-z, 0-9, _).`,
      details: { field: 'store.url' },
    });
  }
  // pg falls back to $USER, which is unset in some containers and services;
  // libpq uses the account name, so do the same.
  if (parsed.username === '' && !process.env.PGUSER) parsed.username = userInfo().username;
  return { connectionString: parsed.toString(), schema };
}

/** Socket failures: the server is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "not now": class 08 (connection exception), 57P01–03
 * (admin or crash shutdown, still starting up), 53300 (too many connections).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;

/** What pg itself says when a connection breaks or cannot be made in time. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Cannot use a pool after calling end/i;

function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code)))
    return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // Node reports a failed connect to every address of a host as one AggregateError.
  if (Array.isArray(errors) && errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(cause, depth + 1);
}

/**
 * Maps a pg failure to the catalogue: unreachable → 503, data PostgreSQL
 * refuses (class 22, e.g. `\u0000` in jsonb) → 400; anything else is a bug
 * and stays as it is.
 */
export function toPostgresError(error: unknown): Error {
  if (error instanceof CodedanceError) return error;
  if (isUnavailable(error)) return new StoreUnavailableError('postgres', error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('22')) {
    const detail = error instanceof Error ? `: ${error.message}` : '';
    return new CodedanceError('CD_BAD_REQUEST', {
      message: `PostgreSQL refused the data${detail}`,
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
