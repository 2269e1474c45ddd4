import { describe, expect, it } from 'vitest';
import type { Task } from '../../api/types';
import { EMPTY_TASK_FORM, fromFormValues, problemsByField, toFormValues } from './taskForm';

describe('the task form', () => {
  it('turns what was typed into a seed 004 task definition', () => {
    const { spec, problems } = fromFormValues({
      ...EMPTY_TASK_FORM,
      id: 'nightly-backup',
      script_path: ' scripts/backup.py ',
      execute_path: 'python3',
      args: '--full\n\n--target=/backup',
      environment: 'BACKUP_PATH=/backup\nDB_HOST=localhost=1',
      schedule: 'cron',
      cron: '0 30 2 * * *',
      timezone: 'Asia/Shanghai',
      timeout: '1800',
      retry_count: '3',
      retry_delay: '60',
    });
    expect(problems).toEqual([]);
    expect(spec).toEqual({
      id: 'nightly-backup',
      script_path: 'scripts/backup.py',
      execute_path: 'python3',
      args: ['--full', '--target=/backup'],
      environment: { BACKUP_PATH: '/backup', DB_HOST: 'localhost=1' },
      cron: '0 30 2 * * *',
      timezone: 'Asia/Shanghai',
      timeout: 1800,
      retry_count: 3,
      retry_delay: 60,
      enabled: true,
    });
  });

  it('refuses a variable set twice instead of keeping one of the two', () => {
    const { problems } = fromFormValues({
      ...EMPTY_TASK_FORM,
      id: 'backup',
      script_path: '/bin/true',
      environment: 'A=1\nB=2\nA=3',
    });
    expect(problems).toEqual([{ field: 'environment', message: 'envRepeat', line: 3, name: 'A' }]);
  });

  it('names each field it can see is wrong before asking the server', () => {
    const { problems } = fromFormValues({
      ...EMPTY_TASK_FORM,
      id: 'bad id!',
      environment: 'OK=1\n1BAD=2',
      schedule: 'interval',
      interval_minutes: 'often',
      retry_count: '1.5',
    });
    expect(problems).toEqual([
      { field: 'id', message: 'idPattern' },
      { field: 'script_path', message: 'required' },
      { field: 'environment', message: 'envLine', line: 2 },
      { field: 'interval_minutes', message: 'number' },
      { field: 'retry_count', message: 'wholeNumber' },
    ]);
  });

  it("puts the server's problems next to the field their path names, and the rest on the form", () => {
    expect(
      problemsByField([
        { path: '/id', message: 'must match pattern' },
        { path: '/script_path', message: 'is required' },
        { path: '/environment/1BAD', message: 'is not a valid name' },
        { path: '/cron', message: 'cannot be combined with interval_minutes' },
        { path: '/colour', message: 'is not a known field' },
        { path: '', message: 'must be an object' },
      ]),
    ).toEqual({
      fields: {
        id: ['must match pattern'],
        script_path: ['is required'],
        environment: ['1BAD: is not a valid name'],
        cron: ['cannot be combined with interval_minutes'],
      },
      form: ['/colour is not a known field', 'must be an object'],
    });
  });

  it('fills the form from a task to edit it', () => {
    const task = {
      id: 'hello',
      script_path: 'hello.sh',
      interval_minutes: 5,
      environment: { A: '1' },
      args: ['x', 'y'],
      enabled: false,
      version: 3,
      status: 'DISABLED',
      running: 0,
      queued: 0,
      nextRunAt: null,
      lastRun: null,
    } satisfies Task;
    const values = toFormValues(task);
    expect(values).toMatchObject({
      schedule: 'interval',
      interval_minutes: '5',
      environment: 'A=1',
      args: 'x\ny',
      enabled: false,
    });
    expect(fromFormValues(values).spec).toEqual({
      id: 'hello',
      script_path: 'hello.sh',
      interval_minutes: 5,
      environment: { A: '1' },
      args: ['x', 'y'],
      enabled: false,
    });
  });
});
