import { describe, expect, it } from 'vitest';
import { formatLogDate, logCopyFiles } from './log-copies.js';
import { validateServiceSpec } from './validate.js';

describe('formatLogDate', () => {
  const date = new Date(2026, 11, 7, 9, 5, 3, 42);
  it('writes the tokens of a PM2 log_date_format in the host zone', () => {
    expect(formatLogDate('YYYY-MM-DD HH:mm:ss.SSS', date)).toBe('2026-12-07 09:05:03.042');
    expect(formatLogDate('D/M/YY hh:mm A', date)).toBe('7/12/26 09:05 AM');
    const zone = formatLogDate('Z', date);
    expect(zone).toMatch(/^[+-]\d\d:\d\d$/);
    expect(formatLogDate('ZZ', date)).toBe(zone.replace(':', ''));
  });

  it('copies text in brackets and anything that is not a token', () => {
    expect(formatLogDate('[at] HH:mm [YYYY]!', date)).toBe('at 09:05 YYYY!');
    expect(formatLogDate('[unclosed', date)).toBe('[unclosed');
  });
});

describe('logCopyFiles', () => {
  const logs = {
    out_file: '/var/log/api-out.log',
    error_file: '/var/log/api-err',
    combined_file: '/var/log/all.log',
  };
  it('names a file per instance when there are several, as PM2 does', () => {
    expect(logCopyFiles(logs, 1, 2)).toEqual({
      stdout: ['/var/log/api-out-1.log', '/var/log/all-1.log'],
      stderr: ['/var/log/api-err-1', '/var/log/all-1.log'],
    });
  });

  it('shares the files when merged or alone, and has none without logs', () => {
    const one = {
      stdout: ['/var/log/api-out.log', '/var/log/all.log'],
      stderr: ['/var/log/api-err', '/var/log/all.log'],
    };
    expect(logCopyFiles({ ...logs, merge: true }, 1, 2)).toEqual(one);
    expect(logCopyFiles(logs, 0, 1)).toEqual(one);
    expect(logCopyFiles(undefined, 0, 3)).toEqual({ stdout: [], stderr: [] });
  });

  it('are refused unless absolute, and unknown keys with them', () => {
    const base = { name: 'api', command: 'node' };
    expect(validateServiceSpec({ ...base, logs }).ok).toBe(true);
    for (const bad of [
      { out_file: 'relative.log' },
      { out_file: '/a\u0000b' },
      { color: true },
      { date_format: '' },
    ]) {
      expect(validateServiceSpec({ ...base, logs: bad }).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});
