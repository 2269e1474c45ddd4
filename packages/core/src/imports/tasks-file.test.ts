import { describe, expect, it } from 'vitest';
import { parseJobFile, parseJobText, parseTasksFile, toTasksFile } from './tasks-file.js';

/** Seed 004, "任务配置文件 (tasks.json)", verbatim. */
const SEED_TASKS_JSON = `{
  "tasks": [
    {
      "id": "example-task",
      "script_path": "scripts/example.py",
      "interval_minutes": 5,
      "execute_path": "python3",
      "enabled": true,
      "description": "示例任务",
      "timeout": 300,
      "retry_count": 3,
      "retry_delay": 60,
      "environment": {
        "PYTHONPATH": "/path/to/scripts"
      }
    }
  ],
  "settings": {
    "max_concurrent": 5,
    "default_interval": 10,
    "log_level": "INFO"
  }
}`;

/** Seed 004, "Jobs 目录配置 (jobs/*.json)", verbatim: its comments are not JSON. */
const SEED_JOB_FILE = `# jobs/task_001.json
{
  "id": "001",
  "script_path": "scripts/daily_backup.py",
  "interval_minutes": 1440,  # 24小时
  "execute_path": "python3",
  "enabled": true,
  "description": "每日备份任务",
  "timeout": 1800,
  "retry_count": 3,
  "environment": {
    "BACKUP_PATH": "/backup",
    "DB_HOST": "localhost"
  }
}`;

describe('parseTasksFile', () => {
  it("reads seed 004's tasks.json", () => {
    const parsed = parseTasksFile(JSON.parse(SEED_TASKS_JSON));
    expect(parsed.problems).toEqual([]);
    expect(parsed.settings).toEqual({ max_concurrent: 5, default_interval: 10, log_level: 'INFO' });
    expect(parsed.tasks).toHaveLength(1);
    expect(parsed.tasks[0]).toMatchObject({
      id: 'example-task',
      execute_path: 'python3',
      interval_minutes: 5,
      environment: { PYTHONPATH: '/path/to/scripts' },
      overlap: 'skip',
    });
  });

  it('reads a bare array, with paths into the array', () => {
    const parsed = parseTasksFile([{ id: 'a', script_path: 'x' }, { id: 'b' }]);
    expect(parsed.tasks.map((t) => t.id)).toEqual(['a']);
    expect(parsed.problems).toEqual([{ path: '/1/script_path', message: 'is required' }]);
    expect(parsed).not.toHaveProperty('settings');
  });

  it('keeps the valid tasks and reports each invalid one at its path', () => {
    const parsed = parseTasksFile({
      tasks: [
        { id: 'ok', script_path: 'a.sh' },
        { id: 'both', script_path: 'b.sh', interval_minutes: 5, cron: '0 * * * *' },
        { id: 'ok', script_path: 'c.sh' },
        'not a task',
      ],
    });
    expect(parsed.tasks.map((t) => t.script_path)).toEqual(['a.sh']);
    expect(parsed.problems).toEqual([
      { path: '/tasks/1/cron', message: 'cannot be combined with interval_minutes' },
      { path: '/tasks/2/id', message: 'repeats the id of /tasks/0' },
      { path: '/tasks/3', message: 'must be object' },
    ]);
  });

  it('reports a wrong document shape', () => {
    expect(parseTasksFile({ task: [], settings: 3 }).problems).toEqual([
      { path: '/task', message: 'is not a known field' },
      { path: '/settings', message: 'must be object' },
      { path: '/tasks', message: 'is required' },
    ]);
    expect(parseTasksFile({ tasks: {} }).problems).toEqual([
      { path: '/tasks', message: 'must be array' },
    ]);
    expect(parseTasksFile('tasks').problems[0]?.path).toBe('');
  });

  it('reads back what toTasksFile writes', () => {
    const { tasks, settings } = parseTasksFile(JSON.parse(SEED_TASKS_JSON));
    const written = JSON.parse(JSON.stringify(toTasksFile(tasks, settings))) as unknown;
    expect(parseTasksFile(written)).toEqual({ tasks, settings, problems: [] });
    expect(toTasksFile(tasks)).toEqual({ tasks });
  });
});

describe('parseJobText', () => {
  it("reads seed 004's commented jobs/task_001.json", () => {
    const parsed = parseJobText('jobs/task_001.json', SEED_JOB_FILE);
    expect(parsed.problems).toEqual([]);
    expect(parsed.task).toMatchObject({
      id: '001',
      script_path: 'scripts/daily_backup.py',
      interval_minutes: 1440,
      description: '每日备份任务',
      timeout: 1800,
      retry_count: 3,
      retry_delay: 60,
      environment: { BACKUP_PATH: '/backup', DB_HOST: 'localhost' },
    });
  });

  it('says why text is not JSON', () => {
    const parsed = parseJobText('broken.json', '{ "id": ');
    expect(parsed.task).toBeNull();
    expect(parsed.problems[0]?.path).toBe('');
    expect(parsed.problems[0]?.message).toMatch(/^is not valid JSON: /);
  });

  it('refuses a file nested deeper than any task needs, without overflowing the stack', () => {
    const deep = `{"id": "deep", "script_path": "x.sh", "environment": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const parsed = parseJobText('deep.json', deep);
    expect(parsed.task).toBeNull();
    expect(parsed.problems).toEqual([{ path: '', message: 'nests deeper than 32 levels' }]);
  });
});

describe('parseJobFile', () => {
  it('takes the id from the file name when the file has none', () => {
    expect(parseJobFile('/srv/jobs/task_002.json', { script_path: 'x.sh' }).task?.id).toBe(
      'task_002',
    );
    expect(parseJobFile('C:\\jobs\\nightly.JSON', { script_path: 'x.sh' }).task?.id).toBe(
      'nightly',
    );
  });

  it("keeps the file's own id", () => {
    expect(parseJobFile('task_002.json', { id: 'backup', script_path: 'x.sh' }).task?.id).toBe(
      'backup',
    );
  });

  it('explains an unusable file name', () => {
    expect(parseJobFile('jobs/my job.json', { script_path: 'x.sh' })).toEqual({
      task: null,
      problems: [
        { path: '/id', message: 'is missing, and the file name "my job" is not a valid id' },
      ],
    });
  });

  it('reports the task problems at their paths', () => {
    expect(parseJobFile('a.json', { id: 'a', script_path: 'x', retry_count: -1 }).problems).toEqual(
      [{ path: '/retry_count', message: 'must be >= 0' }],
    );
    expect(parseJobFile('a.json', [1]).problems).toEqual([{ path: '', message: 'must be object' }]);
  });
});
