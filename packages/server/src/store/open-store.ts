import { CodedanceError } from '@codedance/core';
import { JsonStore } from './json.js';
import { DeferredStore } from './deferred.js';
import { parsePostgresUrl } from './postgres-connection.js';
import { parseRedisUrl } from './redis-layout.js';
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
  // The client libraries of the network stores load only when such a store is opened;
  // the URL is still checked here, so a bad one is refused at start.
  if (/^postgres(ql)?:\/\//.test(url)) {
    parsePostgresUrl(url);
    return new DeferredStore('postgres', storeLocation(url), async () => {
      const { PostgresStore } = await import('./postgres.js');
      return new PostgresStore({ ...options, url });
    });
  }
  if (/^rediss?:\/\//.test(url)) {
    parseRedisUrl(url);
    return new DeferredStore('redis', storeLocation(url), async () => {
      const { RedisStore } = await import('./redis.js');
      return new RedisStore({ ...options, url });
    });
  }
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
