import { maskEnv, plainEnv } from '../secrets/index.js';
import type { TaskSpec } from '../tasks/index.js';
import { joinArgs } from './shell-words.js';

/** The columns of the CSV export, in order. */
export const TASK_CSV_COLUMNS = [
  'id',
  'script_path',
  'execute_path',
  'args',
  'cwd',
  'environment',
  'interval_minutes',
  'cron',
  'timezone',
  'enabled',
  'description',
  'timeout',
  'retry_count',
  'retry_delay',
  'retry_backoff',
  'retry_jitter',
  'max_concurrent',
  'overlap',
  'misfire',
  'shell',
] as const satisfies readonly (keyof TaskSpec)[];

/**
 * The CSV export (RFC 4180: CRLF line ends, a header row, fields quoted when
 * they hold a comma, a quote or a line break). `args` is one cell of
 * shell-quoted words; `environment` is `K=V;K=V` with `\` and `;` in values
 * escaped by a backslash, so the cell can be split back unambiguously.
 */
export function tasksToCsv(tasks: readonly TaskSpec[]): string {
  const rows = [
    [...TASK_CSV_COLUMNS],
    ...tasks.map((task) => TASK_CSV_COLUMNS.map((column) => cellText(task[column]))),
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function cellText(value: TaskSpec[keyof TaskSpec]): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return joinArgs(value);
  if (typeof value === 'object') {
    // A secret is exported as its mask: a CSV file is no place for it.
    return Object.entries(plainEnv(maskEnv(value)))
      .map(([key, v]) => `${key}=${v.replace(/[\\;]/g, '\\$&')}`)
      .join(';');
  }
  return String(value);
}

/** One RFC 4180 field: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
