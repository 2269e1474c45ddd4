import type { LogLevel } from './types.js';

/** A configured rule: lines matching `regex` have `level`. */
export interface LevelPattern {
  level: LogLevel;
  regex: RegExp;
}

const NAMED: Record<string, LogLevel> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  notice: 'INFO',
  warn: 'WARNING',
  warning: 'WARNING',
  error: 'ERROR',
  err: 'ERROR',
  fatal: 'ERROR',
  critical: 'ERROR',
  crit: 'ERROR',
  panic: 'ERROR',
};

/** pino's numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
function fromNumber(value: number): LogLevel | null {
  if (value < 10 || value > 60) return null;
  if (value < 30) return 'DEBUG';
  if (value < 40) return 'INFO';
  if (value < 50) return 'WARNING';
  return 'ERROR';
}

function fromField(value: unknown): LogLevel | null {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'string') return NAMED[value.toLowerCase()] ?? null;
  return null;
}

function fromJson(line: string): LogLevel | null {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const record = parsed as Record<string, unknown>;
  return fromField(record.level) ?? fromField(record.severity) ?? fromField(record.lvl);
}

const LOGFMT = /(?:^|\s)(?:level|lvl|severity)="?([A-Za-z]+)"?(?=\s|$)/;
const NAMES = 'TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC';
// An optional timestamp (`2024-05-01 12:00:00,123`, `12:00:00.5`) may come first.
const STAMP = String.raw`(?:\d{4}-\d{2}-\d{2}[T ]?)?(?:\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*`;
// Bracketed (`[error]`) or followed by a colon (`ERROR:root:`) in any case;
// a bare word (`WARN disk low`) only in capitals, so "Error handling done" stays INFO.
const TAGGED = new RegExp(String.raw`^\s*${STAMP}(?:[[(<](${NAMES})[\])>]|(${NAMES}):)`, 'i');
const BARE = new RegExp(String.raw`^\s*${STAMP}(${NAMES})(?=\s|$)`);

function fromTag(line: string): LogLevel | null {
  const tagged = TAGGED.exec(line);
  const name = tagged ? (tagged[1] ?? tagged[2]) : BARE.exec(line)?.[1];
  return name === undefined ? null : (NAMED[name.toLowerCase()] ?? null);
}

/**
 * The level of one line of a workload's output. A structured level wins (a
 * JSON line's `level`/`severity`/`lvl`, or logfmt's `level=`), then the
 * workload's own patterns, then a leading tag (`[ERROR]`, `WARN`,
 * `ERROR:root:`); otherwise the stream decides: stdout is INFO, stderr ERROR.
 */
export function classifyLevel(
  line: string,
  stream: 'stdout' | 'stderr',
  patterns: readonly LevelPattern[] = [],
): LogLevel {
  const structured = fromJson(line) ?? fromField(LOGFMT.exec(line)?.[1]);
  if (structured) return structured;
  // `search` ignores lastIndex, so a pattern with the g flag behaves the same on every line.
  for (const pattern of patterns) if (line.search(pattern.regex) !== -1) return pattern.level;
  return fromTag(line) ?? (stream === 'stdout' ? 'INFO' : 'ERROR');
}
