import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive, waitFor } from '../../../../e2e/support/wait.js';
import { assertBuilt } from '../test-support/cli.js';
import { startServerChild, stopServer, type ServerChild } from '../test-support/server-child.js';

/** `codedance kill` against a real `codedance server`, its services and a running task. */

/** A process that writes its pid to `file` and lives until stopped. */
const writesPid = (file: string) =>
  `require('fs').writeFileSync(${JSON.stringify(file)}, String(process.pid)); console.log('up'); setInterval(() => {}, 1000)`;

describe('codedance kill', () => {
  let tmp: string;
  let child: ServerChild;
  const started: ServerChild[] = [];
  const node = process.execPath;
  const pids: number[] = [];

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-kill-'));
    child = await startServerChild(join(tmp, 'data'));
    started.push(child);
  });

  afterAll(async () => {
    for (const { server } of started) await stopServer(server);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(tmp, { recursive: true, force: true });
  }, 60_000);

  const readPid = async (file: string): Promise<number> => {
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8') !== '', 20_000, file);
    const pid = Number(readFileSync(file, 'utf8'));
    pids.push(pid);
    return pid;
  };

  it('asks first, and stops nothing without a yes', async () => {
    const svc = join(tmp, 'svc.pid');
    const up = await child.cli([
      'start',
      'keeper',
      '--ready-log',
      '^up$',
      '--',
      node,
      '-e',
      writesPid(svc),
    ]);
    expect(up.code, up.stderr).toBe(0);
    await readPid(svc);
    const refused = await child.cli(['kill'], { input: 'n\n' });
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(
      /This stops 1 service\(s\) \(1 process\(es\)\).*\n.*\nStop everything\? \[y\/N\]/,
    );
    expect(refused.stdout).toBe('nothing stopped\n');
    const silent = await child.cli(['kill'], { input: '' });
    expect(silent.code).toBe(2);
    expect(silent.stderr).toContain('--yes');
    expect((await child.cli(['ls'])).stdout).toMatch(/^keeper +ONLINE/m);
    // A stray request without the confirmation is refused, and stops nothing.
    for (const body of ['{}', '{"confirm":"yes"}', 'null']) {
      const stray = await fetch(`${child.url}/api/server/kill`, {
        method: 'POST',
        headers: { ...child.auth(), 'content-type': 'application/json' },
        body,
      });
      expect(stray.status, body).toBe(400);
    }
    const anonymous = await fetch(`${child.url}/api/server/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"confirm":true}',
    });
    expect(anonymous.status).toBe(401);
    expect((await child.cli(['ls'])).stdout).toMatch(/^keeper +ONLINE/m);
  }, 60_000);

  it('stops every service, task run and the server; the next server starts the services again', async () => {
    const svcFile = join(tmp, 'svc.pid');
    const svcPid = Number(readFileSync(svcFile, 'utf8'));
    const taskFile = join(tmp, 'task.pid');
    const added = await child.cli(['tasks', 'add', 'long', '--', node, '-e', writesPid(taskFile)]);
    expect(added.code, added.stderr).toBe(0);
    expect((await child.cli(['tasks', 'run', 'long'])).code).toBe(0);
    const taskPid = await readPid(taskFile);

    const killed = await child.cli(['kill'], { input: 'y\n', timeoutMs: 120_000 });
    expect(killed.stderr).toContain('Stop everything?');
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toMatch(
      /✓ stopped 1 process\(es\) of 1 service\(s\), task runs, routers and the server/,
    );
    expect(await child.server.exited(30_000)).toBe(0);
    expect(child.server.stderr()).toContain('stopped (codedance kill)');
    expect(alive(svcPid)).toBe(false);
    expect(alive(taskPid)).toBe(false);

    child = await startServerChild(child.dataDir);
    started.push(child);
    await waitFor(
      async () => {
        const rows = JSON.parse((await child.cli(['--json', 'ls'])).stdout) as {
          name: string;
          status: string;
          pid: number | null;
        }[];
        return rows.some((r) => r.name === 'keeper' && r.status === 'ONLINE' && r.pid !== svcPid);
      },
      30_000,
      'keeper started again',
      250,
    );
    await readPid(svcFile);
    const again = await child.cli(['--json', 'kill', '--yes'], { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ killed: true, services: 1, processes: 1 });
    expect(await child.server.exited(30_000)).toBe(0);
  }, 180_000);
});
