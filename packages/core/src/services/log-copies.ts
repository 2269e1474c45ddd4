import type { ServiceLogs } from './schema.js';

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

function offset(date: Date, separator: string): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(minutes / 60)}${separator}${pad(minutes % 60)}`;
}

/** The tokens of PM2's `log_date_format` (moment's), longest first so `YYYY` wins over `YY`. */
const TOKENS: readonly [string, (d: Date) => string][] = [
  ['YYYY', (d) => String(d.getFullYear())],
  ['SSS', (d) => pad(d.getMilliseconds(), 3)],
  ['YY', (d) => pad(d.getFullYear() % 100)],
  ['MM', (d) => pad(d.getMonth() + 1)],
  ['DD', (d) => pad(d.getDate())],
  ['HH', (d) => pad(d.getHours())],
  ['hh', (d) => pad(d.getHours() % 12 || 12)],
  ['mm', (d) => pad(d.getMinutes())],
  ['ss', (d) => pad(d.getSeconds())],
  ['ZZ', (d) => offset(d, '')],
  ['Z', (d) => offset(d, ':')],
  ['A', (d) => (d.getHours() < 12 ? 'AM' : 'PM')],
  ['M', (d) => String(d.getMonth() + 1)],
  ['D', (d) => String(d.getDate())],
  ['H', (d) => String(d.getHours())],
];

/**
 * `date` in the host's zone as a PM2 `log_date_format` says (`YYYY-MM-DD HH:mm:ss Z`):
 * YYYY YY MM M DD D HH H hh mm ss SSS A Z ZZ; text in [brackets] is copied as is, and so is
 * anything that is not a token.
 */
export function formatLogDate(format: string, date: Date): string {
  let out = '';
  for (let i = 0; i < format.length;) {
    if (format[i] === '[') {
      const end = format.indexOf(']', i + 1);
      if (end !== -1) {
        out += format.slice(i + 1, end);
        i = end + 1;
        continue;
      }
    }
    const token = TOKENS.find(([t]) => format.startsWith(t, i));
    if (token === undefined) {
      out += format.charAt(i);
      i += 1;
    } else {
      out += token[1](date);
      i += token[0].length;
    }
  }
  return out;
}

/** `/var/log/api-out.log` → `/var/log/api-out-1.log`, as PM2 names each instance's file. */
function instanceFile(file: string, instance: number): string {
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return dot > slash + 1
    ? `${file.slice(0, dot)}-${instance}${file.slice(dot)}`
    : `${file}-${instance}`;
}

/** The files one instance's stdout and stderr are copied to, per its service's `logs`. */
export function logCopyFiles(
  logs: ServiceLogs | undefined,
  instance: number,
  instances: number,
): { stdout: string[]; stderr: string[] } {
  if (logs === undefined) return { stdout: [], stderr: [] };
  const name = (file: string) =>
    logs.merge === true || instances <= 1 ? file : instanceFile(file, instance);
  const combined = logs.combined_file === undefined ? [] : [name(logs.combined_file)];
  return {
    stdout: [...(logs.out_file === undefined ? [] : [name(logs.out_file)]), ...combined],
    stderr: [...(logs.error_file === undefined ? [] : [name(logs.error_file)]), ...combined],
  };
}
