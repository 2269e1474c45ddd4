import { CodedanceError } from '@codedance/core';
import { JsonStore } from './json.js';
import { PostgresStore } from './postgres.js';
import { RedisStore } from './redis.js';
import { storeLocation, type StoreOptions } from './rules.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

function invalidUrl(url: string, reason: string, cause?: unknown): CodedanceError {
  return new CodedanceError('CD_INVALID_CONFIG', {
    message: `store.url '${storeLocation(url)}' ${reason}; use sqlite:<file>, json:<file>, postgres://… or redis://…`,
    details: { field: 'store.url' },
    cause,
  });
}

function filePath(url: string, scheme: 'sqlite' | 'json'): string {
  const rest = url.slice(scheme.length + 1);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') throw invalidUrl(url, 'names no file');
  return path;
}

function build(url: string, options: StoreOptions): Store {
  if (url.startsWith('sqlite:')) {
    return new SqliteStore({ ...options, path: filePath(url, 'sqlite'), location: url });
  }
  if (url.startsWith('json:')) {
    return new JsonStore({ ...options, path: filePath(url, 'json'), location: url });
  }
  if (/^postgres(ql)?:\/\//.test(url)) return new PostgresStore({ ...options, url });
  if (/^rediss?:\/\//.test(url)) return new RedisStore({ ...options, url });
  throw invalidUrl(url, 'has an unknown scheme');
}

/**
 * Creates the store a `store.url` names, without connecting: call `open()`.
 *
 * - `sqlite:<file>` or `sqlite://<file>`
 * - `json:<file>`
 * - `postgres://…` or `postgresql://…`, optionally `?schema=<name>`
 * - `redis://…` or `rediss://…`, optionally `?prefix=<key prefix>`
 *
 * Throws `CD_INVALID_CONFIG` for anything else. The store's `location` never
 * shows a password.
 */
export function createStore(url: string, options: StoreOptions = {}): Store {
  try {
    return build(url, options);
  } catch (error) {
    if (error instanceof CodedanceError) throw error;
    throw invalidUrl(url, 'is not a valid URL', error);
  }
}
