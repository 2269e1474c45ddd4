import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startCli, type LongRunning } from '../../test-support/cli.js';
import { startServerChild, stopServer, type ServerChild } from '../../test-support/server-child.js';
import type { Task } from '@codedance/api';

/** The built `codedance tasks` commands, run as child processes against a real server. */
describe('codedance tasks against a running server', () => {
  let tmp: string;
  let child: ServerChild;
  const started: ServerChild[] = [];
  const followers: LongRunning[] = [];
  const cli = (...args: string[]) => child.cli(args);
  const node = process.execPath;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-tasks-'));
    child = await startServerChild(join(tmp, 'data'));
    started.push(child);
  });

  afterAll(async () => {
    for (const f of followers) f.stop();
    for (const { server } of started) await stopServer(server);
    await rm(tmp, { recursive: true, force: true });
  });

  it('adds tasks and reports the server’s problems per field', async () => {
    const ok = await cli('tasks', 'add', 'ok', '--', node, '-e', 'console.log("hello from ok")');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^✓ added ok: /);
    expect(ok.stdout).toContain('on demand');
    const fail = await cli(
      'tasks',
      'add',
      'fail',
      '--',
      node,
      '-e',
      'console.log("boom"); process.exit(4)',
    );
    expect(fail.code, fail.stderr).toBe(0);
    const nightly = await cli(
      'tasks',
      'add',
      'nightly',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Paris',
      '--disabled',
      '--',
      node,
      '-e',
      '0',
    );
    expect(nightly.code, nightly.stderr).toBe(0);
    const bad = await cli('tasks', 'add', 'bad', '--cron', 'not a cron', '--', node);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/✗ \/cron: /);
    const none = await cli('tasks', 'add', 'empty');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('after --');
  });

  it('ls shows each task with its schedule, and --json the views', async () => {
    const { code, stdout } = await cli('tasks', 'ls');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(
      /^ID\s+STATUS\s+SCHEDULE\s+NEXT RUN\s+LAST RUN\s+RUNNING$/,
    );
    expect(stdout).toMatch(/nightly\s+DISABLED\s+cron 0 3 \* \* \* \(Europe\/Paris\)/);
    expect(stdout).toMatch(/ok\s+IDLE\s+on demand/);
    const json = await cli('--json', 'tasks', 'ls');
    const tasks = JSON.parse(json.stdout) as Task[];
    expect(tasks.map((t) => t.id)).toEqual(['fail', 'nightly', 'ok']);
  });

  it('run --wait streams the log and exits 0 on SUCCESS', async () => {
    const { code, stdout, stderr } = await cli('tasks', 'run', 'ok', '--wait');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^✓ ok started run [a-z0-9-]+$/m);
    expect(stdout).toContain('hello from ok');
    expect(stdout).toMatch(/^✓ ok run [a-z0-9-]+ SUCCESS: /m);
  });

  it('run --wait prints every line of a chatty run once, in order', async () => {
    const script = 'for (let i = 0; i < 1200; i++) console.log("line " + i)';
    expect((await cli('tasks', 'add', 'chatty', '--', node, '-e', script)).code).toBe(0);
    const { code, stdout } = await cli('tasks', 'run', 'chatty', '--wait');
    expect(code).toBe(0);
    const printed = [...stdout.matchAll(/ line (\d+)$/gm)].map((m) => Number(m[1]));
    expect(printed).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    expect((await cli('tasks', 'rm', 'chatty')).code).toBe(0);
  });

  it('run --wait exits 1 when the run fails, with its summary', async () => {
    const { code, stdout } = await cli('tasks', 'run', 'fail', '--wait');
    expect(code).toBe(1);
    expect(stdout).toContain('boom');
    expect(stdout).toMatch(/^✗ fail run [a-z0-9-]+ FAILED: .*4/m);
    const json = await cli('--json', 'tasks', 'run', 'fail', '--wait');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ task: 'fail', status: 'FAILED', exitCode: 4 });
  });

  it('runs lists the history with exit codes, and show the definition with it', async () => {
    const runs = await cli('tasks', 'runs', 'fail');
    expect(runs.code).toBe(0);
    expect(runs.stdout.split('\n')[0]).toMatch(
      /^RUN\s+STARTED\s+TRIGGER\s+STATUS\s+EXIT\s+DURATION/,
    );
    expect(runs.stdout.match(/manual\s+FAILED\s+exit 4/g)).toHaveLength(2);
    const show = await cli('tasks', 'show', 'fail');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^fail\s+FAILED/);
    expect(show.stdout).toMatch(/command\s+.*node -e 'console\.log\("boom"\); process\.exit\(4\)'/);
    expect(show.stdout).toContain('Last 2 runs');
    const missing = await cli('tasks', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('CD_NOT_FOUND');
  });

  it('logs prints the recent lines, and -f follows new ones', async () => {
    const logs = await cli('tasks', 'logs', 'fail', '--lines', '100');
    expect(logs.code).toBe(0);
    expect(logs.stdout.match(/ boom$/gm)).toHaveLength(2);
    const errors = await cli('tasks', 'logs', 'fail', '--level', 'error');
    expect(errors.stdout).not.toContain(' boom');

    const follower = startCli(['--url', child.url, 'tasks', 'logs', 'ok', '-f', '-n', '100']);
    followers.push(follower);
    // Printing the earlier run proves the follower has fixed its resume point; later lines replay.
    await follower.waitFor(/hello from ok/, 10_000);
    const again = await cli('tasks', 'run', 'ok', '--wait');
    expect(again.code).toBe(0);
    await follower.waitFor(/hello from ok[\s\S]*hello from ok/, 10_000);
    follower.child.kill('SIGINT');
    expect(await follower.exited()).toBe(0);
  });

  it('toggle, run and rm act on several ids with one line each, exit 1 if one failed', async () => {
    const toggle = await cli('tasks', 'toggle', 'nightly');
    expect(toggle.code).toBe(0);
    expect(toggle.stdout.trim()).toBe('✓ nightly enabled');
    const run = await cli('tasks', 'run', 'ok', 'nope');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✓ ok started run /m);
    expect(run.stdout).toMatch(/^✗ nope: .*\(CD_NOT_FOUND\)$/m);
    const removed = await cli('tasks', 'rm', 'ok', 'fail');
    expect(removed.code, removed.stdout).toBe(0);
    expect(removed.stdout).toBe('✓ ok deleted\n✓ fail deleted\n');
    const left = JSON.parse((await cli('--json', 'tasks', 'ls')).stdout) as Task[];
    expect(left.map((t) => t.id).filter((id) => ['ok', 'fail', 'nightly'].includes(id))).toEqual([
      'nightly',
    ]);
  });
});
