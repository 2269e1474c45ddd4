import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../failure.js';
import { Output } from '../output.js';
import { assertBuilt, startCli, type LongRunning } from '../test-support/cli.js';
import { startServerChild, stopServer, type ServerChild } from '../test-support/server-child.js';
import {
  formatMs,
  formatResult,
  formatTaskDetail,
  formatTaskTable,
  relativeTime,
  scheduleText,
  splitCommand,
  taskFromFlags,
  type TaskAnswer,
} from './tasks.js';

const plain = new Output(
  { stdout: { write: () => true }, stderr: { write: () => true } },
  {
    json: false,
    colour: false,
  },
);
const NOW = new Date('2024-05-01T12:00:00Z');

describe('scheduleText', () => {
  it('names a cron schedule with its zone, an interval in minutes or seconds, or on demand', () => {
    expect(scheduleText({ cron: '0 3 * * *', timezone: 'Europe/Paris' })).toBe(
      'cron 0 3 * * * (Europe/Paris)',
    );
    expect(scheduleText({ cron: '*/5 * * * *' })).toBe('cron */5 * * * *');
    expect(scheduleText({ interval_minutes: 15 })).toBe('every 15 min');
    expect(scheduleText({ interval_minutes: 0.5 })).toBe('every 30 s');
    expect(scheduleText({})).toBe('on demand');
  });
});

describe('formatMs and relativeTime', () => {
  it('keeps sub-second and short durations readable', () => {
    expect(formatMs(340)).toBe('340ms');
    expect(formatMs(1250)).toBe('1.3s');
    expect(formatMs(250_000)).toBe('4m 10s');
  });

  it('says in/ago against the given clock', () => {
    expect(relativeTime('2024-05-01T12:04:10Z', NOW)).toBe('in 4m 10s');
    expect(relativeTime('2024-05-01T11:57:00Z', NOW)).toBe('3m ago');
    expect(relativeTime('2024-05-01T12:00:00.400Z', NOW)).toBe('now');
  });
});

describe('splitCommand and taskFromFlags', () => {
  it('takes the first word after -- as the script and the rest as its arguments', () => {
    expect(splitCommand(['./backup.sh', '--full', 'a b'])).toEqual({
      script_path: './backup.sh',
      args: ['--full', 'a b'],
    });
    expect(splitCommand(['report.py'], 'python3')).toEqual({
      script_path: 'report.py',
      execute_path: 'python3',
    });
    expect(() => splitCommand([])).toThrow(UsageError);
  });

  it('maps the flags onto seed 004 fields and resolves the folder against the current one', () => {
    expect(
      taskFromFlags(
        'backup',
        ['./backup.sh'],
        {
          cron: '0 3 * * *',
          tz: 'UTC',
          maxTime: 600,
          retries: 2,
          retryDelay: 5,
          overlap: 'queue',
          cwd: 'jobs',
          env: ['A=1', 'B=x=y'],
          disabled: true,
        },
        '/srv',
      ),
    ).toEqual({
      id: 'backup',
      script_path: './backup.sh',
      cwd: '/srv/jobs',
      environment: { A: '1', B: 'x=y' },
      cron: '0 3 * * *',
      timezone: 'UTC',
      timeout: 600,
      retry_count: 2,
      retry_delay: 5,
      overlap: 'queue',
      enabled: false,
    });
    expect(taskFromFlags('t', ['x'], { every: 10, shell: true }, '/srv')).toEqual({
      id: 't',
      script_path: 'x',
      cwd: '/srv',
      interval_minutes: 10,
      shell: true,
    });
  });

  it('refuses an --env that is not NAME=value', () => {
    expect(() => taskFromFlags('t', ['x'], { env: ['NOPE'] }, '/')).toThrow(UsageError);
    expect(() => taskFromFlags('t', ['x'], { env: ['1A=b'] }, '/')).toThrow(UsageError);
  });
});

describe('formatTaskTable and formatResult', () => {
  const task = (over: Partial<TaskAnswer>): TaskAnswer => ({
    id: 'a',
    script_path: 'x',
    enabled: true,
    retry_count: 0,
    retry_delay: 60,
    retry_backoff: 'fixed',
    retry_jitter: 0.1,
    max_concurrent: 1,
    overlap: 'skip',
    misfire: 'run_once',
    shell: false,
    version: 1,
    status: 'IDLE',
    running: 0,
    queued: 0,
    nextRunAt: null,
    lastRun: null,
    ...over,
  });

  it('aligns one row per task with schedule, next run, last run and runs in flight', () => {
    const lines = formatTaskTable(
      plain,
      [
        task({ id: 'backup', cron: '0 3 * * *', nextRunAt: '2024-05-01T12:05:00Z' }),
        task({
          id: 'sync',
          status: 'FAILED',
          running: 1,
          queued: 2,
          lastRun: {
            run: 'r1',
            status: 'FAILED',
            reason: 'exit',
            finishedAt: '2024-05-01T11:58:00Z',
            durationMs: 1200,
            exitCode: 4,
          },
        }),
      ],
      NOW,
    );
    expect(lines).toEqual([
      'ID      STATUS  SCHEDULE        NEXT RUN  LAST RUN                    RUNNING',
      'backup  IDLE    cron 0 3 * * *  in 5m     -                           -',
      'sync    FAILED  on demand       -         FAILED exit 4 1.2s, 2m ago  1 +2 queued',
    ]);
  });

  it('shows a definition with its upcoming fire times and recent runs', () => {
    const lines = formatTaskDetail(
      plain,
      {
        ...task({ id: 'backup', cron: '0 3 * * *', args: ['--full', 'a b'], retry_count: 2 }),
        script_path: './backup.sh',
        environment: { TOKEN: 'secret' },
        upcoming: ['2024-05-02T03:00:00Z', '2024-05-03T03:00:00Z'],
      },
      [],
      NOW,
    );
    expect(lines[0]).toBe('backup  IDLE  version 1');
    expect(lines).toContain("  command     ./backup.sh --full 'a b'");
    expect(lines).toContain('  retries     2 × 60s (fixed, jitter 0.1)');
    // Values of the environment can be secrets: only the names are shown.
    expect(lines).toContain('  env         TOKEN');
    expect(lines.join('\n')).not.toContain('secret');
    expect(lines.filter((l) => l.includes('(in 15h)') || l.includes('(in 1d 15h)'))).toHaveLength(
      2,
    );
    expect(lines.at(-1)).toBe('No runs yet.');
  });

  it('writes one ✓/!/✗ line per task', () => {
    expect(formatResult(plain, 'run', { id: 'a', ok: true, outcome: 'started', run: 'r1' })).toBe(
      '✓ a started run r1',
    );
    expect(
      formatResult(plain, 'run', { id: 'a', ok: true, outcome: 'skipped', reason: 'busy' }),
    ).toBe('! a skipped: busy');
    expect(formatResult(plain, 'stop', { id: 'a', ok: true, stopped: 2 })).toBe(
      '✓ a stopped 2 runs',
    );
    expect(formatResult(plain, 'toggle', { id: 'a', ok: true, enabled: false })).toBe(
      '✓ a disabled',
    );
    expect(formatResult(plain, 'rm', { id: 'a', ok: true })).toBe('✓ a deleted');
    expect(
      formatResult(plain, 'rm', {
        id: 'b',
        ok: false,
        error: { code: 'CD_NOT_FOUND', message: 'no task b' },
      }),
    ).toBe('✗ b: no task b (CD_NOT_FOUND)');
  });
});

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
    const tasks = JSON.parse(json.stdout) as TaskAnswer[];
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
    const left = JSON.parse((await cli('--json', 'tasks', 'ls')).stdout) as TaskAnswer[];
    expect(left.map((t) => t.id).filter((id) => ['ok', 'fail', 'nightly'].includes(id))).toEqual([
      'nightly',
    ]);
  });
});
