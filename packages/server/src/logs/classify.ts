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
  if (!line.includes('{')) return null;
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

// What a line must start with (after spaces) for TAGGED or BARE to match: a stamp's digit, a
// bracket, or the first letter of a name. Most lines fail this test, which is much cheaper.
const MAY_BE_TAGGED = /^\s*[\d[(<cdefinptw]/i;

function fromTag(line: string): LogLevel | null {
  if (!MAY_BE_TAGGED.test(line)) return null;
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
  const structured =
    fromJson(line) ?? (line.includes('=') ? fromField(LOGFMT.exec(line)?.[1]) : null);
  if (structured) return structured;
  // `search` ignores lastIndex, so a pattern with the g flag behaves the same on every line.
  for (const pattern of patterns) if (line.search(pattern.regex) !== -1) return pattern.level;
  return fromTag(line) ?? (stream === 'stdout' ? 'INFO' : 'ERROR');
}

/** Lines next to each other with one level: `count` lines joined by newlines in `text`. */
export interface LevelGroup {
  level: LogLevel;
  text: string;
  count: number;
}

/** First characters a tag can start with (see MAY_BE_TAGGED), by char code. */
const TAG_FIRST = '0123456789[(<cdefinptwCDEFINPTW';
const TAG_STARTS = new Set(
  Array.from({ length: TAG_FIRST.length }, (_, i) => TAG_FIRST.charCodeAt(i)),
);
const MAY_BE_TAGGED_AT = /\s*[\d[(<cdefinptw]/iy;

/**
 * The levels of `count` lines joined by newlines in `text` (what a read of a
 * file gives), as groups of neighbouring lines with the same level. The
 * same as `classifyLevel` on each line, without a string per line: only a
 * line that could hold a structured level or a tag (a `{`, an `=`, or a
 * first character a tag can begin with) is looked at on its own, and with
 * the workload's own patterns every line is.
 */
export function classifyLines(
  text: string,
  count: number,
  stream: 'stdout' | 'stderr',
  patterns: readonly LevelPattern[] = [],
): LevelGroup[] {
  const fallback: LogLevel = stream === 'stdout' ? 'INFO' : 'ERROR';
  if (count === 1) return [{ level: classifyLevel(text, stream, patterns), text, count }];
  const groups: LevelGroup[] = [];
  let groupStart = 0;
  let groupLevel: LogLevel | null = null;
  let groupCount = 0;
  let brace = text.indexOf('{');
  let equals = text.indexOf('=');
  let start = 0;
  for (let line = 0; line < count; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (brace !== -1 && brace < start) brace = text.indexOf('{', start);
    if (equals !== -1 && equals < start) equals = text.indexOf('=', start);
    const special =
      patterns.length > 0 ||
      (brace !== -1 && brace < end) ||
      (equals !== -1 && equals < end) ||
      mayBeTagged(text, start);
    const level = special ? classifyLevel(text.slice(start, end), stream, patterns) : fallback;
    if (level !== groupLevel) {
      if (groupLevel !== null) {
        groups.push({
          level: groupLevel,
          text: text.slice(groupStart, start - 1),
          count: groupCount,
        });
      }
      groupStart = start;
      groupLevel = level;
      groupCount = 0;
    }
    groupCount++;
    start = end + 1;
  }
  if (groupLevel !== null) {
    const rest = groupStart === 0 ? text : text.slice(groupStart);
    groups.push({ level: groupLevel, text: rest, count: groupCount });
  }
  return groups;
}

/** MAY_BE_TAGGED for the line that starts at `start`, read in place. */
function mayBeTagged(text: string, start: number): boolean {
  const first = text.charCodeAt(start);
  if (TAG_STARTS.has(first)) return true;
  // Spaces may come first; a letter, a digit or a sign cannot be skipped.
  if (first > 32 && first < 127) return false;
  MAY_BE_TAGGED_AT.lastIndex = start;
  return MAY_BE_TAGGED_AT.test(text);
}
