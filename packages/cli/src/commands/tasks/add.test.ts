import { describe, expect, it } from 'vitest';
import { UsageError } from '../../failure.js';
import { splitCommand, taskFromFlags } from './add.js';

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
