import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodedanceError, StoreUnavailableError } from '@codedance/core';
import { writeAndSync, type DurableWrite } from './json-file.js';
import { JsonStore } from './json.js';
import { Contender } from './test-support/contenders.js';
import { tempFolder } from './test-support/servers.js';

/** A pid that surely belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid;
}

describe('JSON store file handling', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let path: string;
  const open: JsonStore[] = [];

  beforeEach(async () => {
    ({ dir, remove } = await tempFolder());
    path = join(dir, 'codedance.json');
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await remove();
  });

  function makeStore(write?: DurableWrite): JsonStore {
    const store = new JsonStore({ path, ...(write ? { write } : {}) });
    open.push(store);
    return store;
  }

  it('writes the documented file format', async () => {
    const store = makeStore();
    await store.open();
    await store.create('t', 'task', 'a', { n: 1 });
    const grant = await store.leases.acquire('leader', 'a', 60_000);
    const file = JSON.parse(await readFile(path, 'utf8')) as unknown;
    expect(file).toEqual({
      format: 2,
      leases: [{ name: 'leader', holder: 'a', token: 1, expiresAt: grant.expiresAt }],
      records: [
        {
          tenant: 't',
          kind: 'task',
          id: 'a',
          version: 1,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
          data: { n: 1 },
        },
      ],
    });
  });

  it('refuses a second store on the same file while the first is open', async () => {
    const first = makeStore();
    await first.open();
    await first.create('t', 'task', 'a', {});
    const second = makeStore();
    const error: unknown = await second.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodedanceError);
    expect((error as CodedanceError).code).toBe('CD_STORE_UNAVAILABLE');
    expect((error as CodedanceError).message).toContain(`process ${process.pid}`);
    // The refused store must not have released the first one's lock.
    expect((await readFile(`${path}.lock`, 'utf8')).trim()).toBe(String(process.pid));

    await first.close();
    await second.open();
    expect(await second.get('t', 'task', 'a')).not.toBeNull();
  });

  it('takes over a lock left by a process that died', async () => {
    await writeFile(`${path}.lock`, `${deadPid()}\n`);
    const store = makeStore();
    await store.open();
    expect((await readFile(`${path}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await store.close();
    await expect(readFile(`${path}.lock`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lets exactly one of several processes take over a lock left by a dead process', async () => {
    await writeFile(`${path}.lock`, `${deadPid()}\n`);
    const racers = Array.from(
      { length: 4 },
      (_, i) => new Contender(`json:${path}`, 'leader', `p${i}`, 60_000),
    );
    try {
      const opened = await Promise.all(racers.map((r) => r.opened()));
      expect(opened.filter((o) => o.open)).toHaveLength(1);
      for (const refused of opened.filter((o) => !o.open)) {
        expect(refused.code).toBe('CD_STORE_UNAVAILABLE');
      }
    } finally {
      await Promise.all(racers.map((r) => r.close()));
    }
    expect((await readdir(dir)).sort()).toEqual(['codedance.json']);
  });

  it('keeps the previous file and memory when a write fails midway', async () => {
    let failing = false;
    const write: DurableWrite = async (target, data) => {
      if (!failing) return writeAndSync(target, data);
      // Half the file reaches the disk, then the "crash".
      await writeFile(target, data.slice(0, data.length / 2));
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    const store = makeStore(write);
    await store.open();
    await store.create('t', 'task', 'a', { step: 1 });
    const before = await readFile(path, 'utf8');

    failing = true;
    await expect(store.create('t', 'task', 'b', {})).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.update('t', 'task', 'a', { step: 2 }, 1)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(store.delete('t', 'task', 'a')).rejects.toBeInstanceOf(StoreUnavailableError);

    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await store.get('t', 'task', 'b')).toBeNull();
    expect(await store.get('t', 'task', 'a')).toMatchObject({ version: 1, data: { step: 1 } });
    expect(await store.count('t', 'task')).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['codedance.json', 'codedance.json.lock']);

    // The store carries on once the disk works again, and the file agrees with memory.
    failing = false;
    await store.update('t', 'task', 'a', { step: 2 }, 1);
    await store.close();
    await store.open();
    expect(await store.get('t', 'task', 'a')).toMatchObject({ version: 2, data: { step: 2 } });
  });

  it('serialises concurrent writes: every acknowledged one is in the file', async () => {
    const store = makeStore();
    await store.open();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.create('t', 'task', `r-${i}`, { i })),
    );
    const file = JSON.parse(await readFile(path, 'utf8')) as { records: unknown[] };
    expect(file.records).toHaveLength(40);
  });

  it('reads a format 1 file, written before leases, and upgrades it on the next write', async () => {
    const record = { tenant: 't', kind: 'task', id: 'a', version: 3, data: { n: 1 } };
    const times = { createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:00.000Z' };
    await writeFile(path, JSON.stringify({ format: 1, records: [{ ...record, ...times }] }));
    const store = makeStore();
    await store.open();
    expect(await store.get('t', 'task', 'a')).toMatchObject({ version: 3, data: { n: 1 } });
    expect(await store.leases.read('leader')).toMatchObject({ holder: null, token: 0 });
    await store.leases.acquire('leader', 'a', 60_000);
    const file = JSON.parse(await readFile(path, 'utf8')) as { format: number; records: unknown[] };
    expect(file.format).toBe(2);
    expect(file.records).toHaveLength(1);
  });

  it('refuses a file written by a newer format, and one that is not a store', async () => {
    await writeFile(path, JSON.stringify({ format: 3, records: [] }));
    const newer = makeStore();
    const error: unknown = await newer.open().catch((e: unknown) => e);
    expect((error as CodedanceError).code).toBe('CD_INVALID_CONFIG');
    expect((error as CodedanceError).message).toContain('schema version 3');

    await writeFile(path, '{"not": "a store"}');
    await expect(makeStore().open()).rejects.toMatchObject({ code: 'CD_INVALID_CONFIG' });
    for (const leases of ['"none"', '[{"name":"x","token":1}]', '[{"name":"x","holder":null}]']) {
      await writeFile(path, `{"format":2,"records":[],"leases":${leases}}`);
      await expect(makeStore().open()).rejects.toMatchObject({ code: 'CD_INVALID_CONFIG' });
    }
    // A refused open leaves no lock behind.
    await writeFile(path, JSON.stringify({ format: 1, records: [] }));
    await makeStore().open();
  });

  it('removes temporary files a crash left behind, but not a lock another process is taking', async () => {
    await writeFile(join(dir, 'codedance.json.tmp-left-over'), '{"half');
    const dead = deadPid();
    await writeFile(join(dir, `codedance.json.lock-${dead}-left-over`), `${dead}\n`);
    // The parent of this test process is alive: its lock in the making stays.
    const live = `codedance.json.lock-${process.ppid}-in-progress`;
    await writeFile(join(dir, live), `${process.ppid}\n`);
    const store = makeStore();
    await store.open();
    expect((await readdir(dir)).sort()).toEqual(['codedance.json', 'codedance.json.lock', live]);
  });
});
