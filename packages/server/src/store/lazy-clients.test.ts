import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CodedanceError } from '@codedance/core';
import { createStore } from './index.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const built = join(here, '../../dist/store/index.js');

/** The module URLs a fresh Node process loads while running `script` against the built store. */
async function modulesLoadedBy(script: string): Promise<string[]> {
  const { stderr } = await run(
    process.execPath,
    ['--import', join(here, 'test-support/record-loads.js'), '--input-type=module', '-e', script],
    { env: { ...process.env, STORE_MODULE: built } },
  );
  const last = stderr.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(last) as { loaded: string[] }).loaded;
}

describe('network store clients load only when such a store is opened', () => {
  it('a SQLite store, and a PostgreSQL or Redis store not yet opened, load neither pg nor ioredis', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codedance-lazy-'));
    try {
      const loaded = await modulesLoadedBy(`
        const { createStore } = await import(process.env.STORE_MODULE);
        const store = createStore('sqlite:${join(dir, 'x.db')}');
        await store.open();
        await store.close();
        createStore('postgres://127.0.0.1:1/none');
        createStore('redis://127.0.0.1:1/0');
      `);
      expect(loaded.some((url) => url.includes('/better-sqlite3/'))).toBe(true);
      expect(loaded.filter((url) => /\/node_modules\/(pg|ioredis)\//.test(url))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opening a PostgreSQL store loads pg', async () => {
    const loaded = await modulesLoadedBy(`
      const { createStore } = await import(process.env.STORE_MODULE);
      await createStore('postgres://127.0.0.1:1/none').open().catch(() => undefined);
    `);
    expect(loaded.some((url) => url.includes('/node_modules/pg/'))).toBe(true);
  });

  it('answers a call before open() with the store-not-open error, and can open after a failed attempt', async () => {
    const store = createStore('redis://127.0.0.1:1/0');
    await expect(store.get('default', 'task', 'x')).rejects.toBeInstanceOf(CodedanceError);
    await expect(store.ping()).rejects.toMatchObject({ code: 'CD_INTERNAL' });
    await expect(store.open()).rejects.toMatchObject({ code: 'CD_STORE_UNAVAILABLE' });
    await expect(store.open()).rejects.toMatchObject({ code: 'CD_STORE_UNAVAILABLE' });
    await store.close();
  });
});
