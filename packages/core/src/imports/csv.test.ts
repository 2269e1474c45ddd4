import { describe, expect, it } from 'vitest';
import { validateTaskSpec, type TaskSpec } from '../tasks/index.js';
import { TASK_CSV_COLUMNS, tasksToCsv } from './csv.js';

function task(input: Record<string, unknown>): TaskSpec {
  const result = validateTaskSpec(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

describe('tasksToCsv', () => {
  it('writes a header and one CRLF-terminated row per task', () => {
    const csv = tasksToCsv([task({ id: 'a', script_path: 'a.sh', interval_minutes: 5 })]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(TASK_CSV_COLUMNS.join(','));
    expect(lines[1]).toBe('a,a.sh,,,,,5,,,true,,,0,60,fixed,0.1,1,skip,run_once,false');
    expect(lines[2]).toBe('');
  });

  it('quotes fields holding commas, quotes and line breaks', () => {
    const csv = tasksToCsv([
      task({
        id: 'b',
        script_path: 'b.py',
        description: 'Backs up "prod", nightly\nand weekly',
        args: ['--to', '/mnt/back up', "it's"],
        environment: { A: '1', PATHS: 'x;y', SLASH: 'a\\b' },
      }),
    ]);
    const row = csv.split('\r\n').slice(1).join('\r\n');
    expect(row).toContain(`"Backs up ""prod"", nightly\nand weekly"`);
    expect(row).toContain(`,--to '/mnt/back up' 'it'\\''s',`);
    expect(row).toContain(`,A=1;PATHS=x\\;y;SLASH=a\\\\b,`);
  });

  it('writes only the header for no tasks', () => {
    expect(tasksToCsv([])).toBe(`${TASK_CSV_COLUMNS.join(',')}\r\n`);
  });
});
