import { describe, expect, it } from 'vitest';
import { bufferedOutput } from '../../test-support/output.js';
import type { Task } from '@codedance/api';
import {
  formatMs,
  formatResult,
  formatTaskDetail,
  formatTaskTable,
  relativeTime,
  scheduleText,
} from './format.js';

const plain = bufferedOutput().out;
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

describe('formatTaskTable and formatResult', () => {
  const task = (over: Partial<Task>): Task => ({
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
