import { describe, expect, it } from 'vitest';
import { CodedanceError } from '@codedance/core';
import { createStore } from './index.js';

describe('createStore', () => {
  it.each([
    ['sqlite:/var/lib/codedance/codedance.db', 'sqlite', 'sqlite:/var/lib/codedance/codedance.db'],
    ['sqlite://data/codedance.db', 'sqlite', 'sqlite://data/codedance.db'],
    ['json:./state.json', 'json', 'json:./state.json'],
    ['postgres://db.internal:5432/codedance', 'postgres', 'postgres://db.internal:5432/codedance'],
    [
      'postgresql://db.internal/codedance?schema=cd',
      'postgres',
      'postgresql://db.internal/codedance?schema=cd',
    ],
    ['redis://cache:6379/2', 'redis', 'redis://cache:6379/2'],
    ['rediss://cache:6380/0?prefix=cd:', 'redis', 'rediss://cache:6380/0?prefix=cd:'],
  ])('%s selects the %s backend without connecting', (url, backend, location) => {
    const store = createStore(url);
    expect(store.backend).toBe(backend);
    expect(store.location).toBe(location);
  });

  it.each([
    ['postgres://codedance:s3cret@db/codedance', 'postgres://codedance:***@db/codedance'],
    [
      'postgres://db/codedance?user=cd&password=s3cret&sslmode=disable',
      'postgres://db/codedance?user=cd&password=***&sslmode=disable',
    ],
    ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['rediss://default:s3cret@cache:6380', 'rediss://default:***@cache:6380'],
  ])('never shows the password of %s', (url, location) => {
    const store = createStore(url);
    expect(store.location).toBe(location);
    expect(store.location).not.toContain('s3cret');
  });

  it.each(['mysql://db/codedance', 'file:/tmp/x', 'sqlite:', 'json://', '', 'redis://[bad'])(
    'refuses %j with CD_INVALID_CONFIG naming store.url',
    (url) => {
      const error: unknown = (() => {
        try {
          createStore(url);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(CodedanceError);
      expect((error as CodedanceError).code).toBe('CD_INVALID_CONFIG');
      expect((error as CodedanceError).message).toContain('store.url');
    },
  );

  it('refuses a PostgreSQL schema name that is not a plain lower-case identifier', () => {
    expect(() => createStore('postgres://db/x?schema=Robert%22;drop')).toThrow(/schema/);
  });

  it('keeps a password out of the error for an unknown scheme', () => {
    expect(() => createStore('mysql://root:s3cret@db/x')).toThrow(/^(?!.*s3cret)/);
  });
});
