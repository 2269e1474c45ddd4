import { describe, expect, it } from 'vitest';
import { taskCommand, validateTaskSpec } from './validate.js';
import type { TaskSpec } from './schema.js';

/** The task of seed 004's `tasks.json` sample. */
const seedTask = {
  id: 'example-task',
  script_path: 'scripts/example.py',
  interval_minutes: 5,
  execute_path: 'python3',
  enabled: true,
  description: '示例任务',
  timeout: 300,
  retry_count: 3,
  retry_delay: 60,
  environment: {
    PYTHONPATH: '/path/to/scripts',
  },
};

const DEFAULTS = {
  enabled: true,
  retry_count: 0,
  retry_delay: 60,
  retry_backoff: 'fixed',
  retry_jitter: 0.1,
  max_concurrent: 1,
  overlap: 'skip',
  misfire: 'run_once',
  shell: false,
} as const;

function problemsOf(input: unknown) {
  const result = validateTaskSpec(input);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('validateTaskSpec', () => {
  it('accepts the seed task and fills in every default', () => {
    const result = validateTaskSpec(seedTask);
    expect(result).toEqual({ ok: true, value: { ...DEFAULTS, ...seedTask } });
  });

  it('gives an on-demand task its defaults', () => {
    const result = validateTaskSpec({ id: '001', script_path: '/usr/bin/backup' });
    const expected: TaskSpec = { ...DEFAULTS, id: '001', script_path: '/usr/bin/backup' };
    expect(result).toEqual({ ok: true, value: expected });
  });

  it('never changes its input', () => {
    const input = { id: 'a', script_path: 'x' };
    validateTaskSpec(input);
    expect(input).toEqual({ id: 'a', script_path: 'x' });
  });

  it('accepts a six-field cron with seconds, a time zone and fractional intervals', () => {
    expect(
      validateTaskSpec({
        id: 'a',
        script_path: 'x',
        cron: '*/15 * * * * *',
        timezone: 'Asia/Shanghai',
      }).ok,
    ).toBe(true);
    expect(validateTaskSpec({ id: 'a', script_path: 'x', interval_minutes: 0.5 }).ok).toBe(true);
    expect(validateTaskSpec({ id: 'a', script_path: 'x', interval_minutes: 1 / 60 }).ok).toBe(true);
  });

  it('reports every shape problem with its path', () => {
    expect(
      problemsOf({
        id: '-bad',
        script_path: '',
        args: ['ok', 3],
        environment: { 'BAD-NAME': 'x', GOOD: 1 },
        interval_minutes: 0,
        enabled: 'yes',
        timeout: 1.5,
        retry_count: 101,
        retry_backoff: 'linear',
        overlap: 'sometimes',
        misfire: 'later',
        colour: 'blue',
      }),
    ).toEqual([
      { path: '/colour', message: 'is not a known field' },
      { path: '/id', message: 'must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"' },
      { path: '/script_path', message: 'must NOT have fewer than 1 characters' },
      { path: '/args/1', message: 'must be string' },
      {
        path: '/environment/BAD-NAME',
        message: 'is not a valid name (must match ^[A-Za-z_][A-Za-z0-9_]*$)',
      },
      {
        path: '/environment/GOOD',
        message: 'must be a string, or { "value": "…", "secret": true }',
      },
      { path: '/interval_minutes', message: 'must be >= 0.016666666666666666' },
      { path: '/enabled', message: 'must be boolean' },
      { path: '/timeout', message: 'must be integer' },
      { path: '/retry_count', message: 'must be <= 100' },
      { path: '/retry_backoff', message: 'must be one of fixed, exponential' },
      { path: '/overlap', message: 'must be one of skip, queue, replace, allow' },
      { path: '/misfire', message: 'must be one of skip, run_once, catch_up' },
    ]);
  });

  it('names missing required fields and refuses non-objects', () => {
    expect(problemsOf({})).toEqual([
      { path: '/id', message: 'is required' },
      { path: '/script_path', message: 'is required' },
    ]);
    expect(problemsOf('task')).toEqual([{ path: '', message: 'must be object' }]);
  });

  it('refuses an interval together with a cron', () => {
    expect(
      problemsOf({ id: 'a', script_path: 'x', interval_minutes: 5, cron: '0 * * * *' }),
    ).toEqual([{ path: '/cron', message: 'cannot be combined with interval_minutes' }]);
  });

  it("reports croner's message for a bad cron", () => {
    expect(problemsOf({ id: 'a', script_path: 'x', cron: '61 * * * *' })).toEqual([
      { path: '/cron', message: 'CronPattern: Invalid value for minute: 61' },
    ]);
    expect(problemsOf({ id: 'a', script_path: 'x', cron: '* * *' })[0]?.path).toBe('/cron');
    expect(problemsOf({ id: 'a', script_path: 'x', cron: '0 0 0 * * * 2030' })[0]?.path).toBe(
      '/cron',
    );
  });

  it('reports an empty cron once', () => {
    expect(problemsOf({ id: 'a', script_path: 'x', cron: '' })).toEqual([
      { path: '/cron', message: 'must NOT have fewer than 1 characters' },
    ]);
  });

  it('refuses a cron that can never fire', () => {
    expect(problemsOf({ id: 'a', script_path: 'x', cron: '0 0 31 2 *' })).toEqual([
      { path: '/cron', message: 'never matches a date' },
    ]);
  });

  it('checks the time zone', () => {
    expect(
      problemsOf({ id: 'a', script_path: 'x', cron: '0 * * * *', timezone: 'Mars/Base' }),
    ).toEqual([{ path: '/timezone', message: 'is not a known IANA time zone' }]);
    expect(problemsOf({ id: 'a', script_path: 'x', interval_minutes: 5, timezone: 'UTC' })).toEqual(
      [{ path: '/timezone', message: 'only applies to a cron schedule' }],
    );
  });

  it('reports shape and schedule problems together', () => {
    expect(
      problemsOf({
        id: 'a',
        script_path: 7,
        interval_minutes: 5,
        cron: 'nope',
        timezone: 'Nowhere/X',
      }).map((p) => p.path),
    ).toEqual(['/script_path', '/cron', '/cron', '/timezone']);
  });
});

describe('taskCommand', () => {
  it('puts the interpreter first when there is one', () => {
    expect(
      taskCommand({ script_path: 'scripts/example.py', execute_path: 'python3', args: ['--fast'] }),
    ).toEqual({ command: 'python3', args: ['scripts/example.py', '--fast'] });
  });

  it('runs the script itself otherwise', () => {
    expect(taskCommand({ script_path: '/usr/local/bin/backup' })).toEqual({
      command: '/usr/local/bin/backup',
      args: [],
    });
  });
});
