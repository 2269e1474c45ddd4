import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './test-support/cli.js';
import { startServerChild, stopServer, type ServerChild } from './test-support/server-child.js';

/** `ls` follows the server's pages: a list longer than one page shows whole, as before paging. */
describe('codedance ls over more than one page', () => {
  let tmp: string;
  let child: ServerChild;
  const ids = Array.from({ length: 520 }, (_, i) => `t${String(i).padStart(4, '0')}`);

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-pages-'));
    child = await startServerChild(join(tmp, 'data'));
    for (const id of ids) {
      const answer = await fetch(`${child.url}/api/tasks`, {
        method: 'POST',
        headers: { ...child.auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ id, script_path: process.execPath, enabled: false }),
      });
      expect(answer.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await stopServer(child.server);
    await rm(tmp, { recursive: true, force: true });
  });

  it('tasks ls --json shows all 520 tasks, in id order, once each', async () => {
    const listed = await child.cli(['--json', 'tasks', 'ls']);
    expect(listed.code, listed.stderr).toBe(0);
    const tasks = JSON.parse(listed.stdout) as { id: string }[];
    expect(tasks.map((t) => t.id)).toEqual(ids);
  });

  it('tasks ls prints a row for each task', async () => {
    const listed = await child.cli(['tasks', 'ls']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('t0000');
    expect(listed.stdout).toContain('t0519');
    expect(listed.stdout.split('\n').filter((line) => /\bt0\d{3}\b/.test(line))).toHaveLength(520);
  });
});
