import { splitScoped } from '../tenancy/index.js';
import {
  LOG_LEVELS,
  type LogEntry,
  type LogLevel,
  type LogQuery,
  type LogSource,
} from './types.js';

/** What a live subscriber wants: every field narrows; `level` is the minimum. */
export interface LogFilter {
  /** Only this tenant's workloads (`id` is then the tenant-scoped id); every tenant's when absent. */
  tenant?: string;
  kind?: LogSource['kind'];
  id?: string;
  run?: string;
  instance?: number;
  level?: LogLevel;
}

/** The most entries one query returns, and how many when it does not say. */
export const QUERY_LIMITS = { default: 200, max: 5000 } as const;

const RANK: Record<LogLevel, number> = Object.fromEntries(
  LOG_LEVELS.map((l, i) => [l, i]),
) as Record<LogLevel, number>;

/** True when `entry` (or a run of entries) passes the source and level parts of a filter. */
export function matchesFilter(
  entry: Pick<LogEntry, 'source' | 'level'>,
  filter: LogFilter,
): boolean {
  const { source } = entry;
  return (
    (filter.kind === undefined || source.kind === filter.kind) &&
    (filter.id === undefined || source.id === filter.id) &&
    (filter.tenant === undefined || splitScoped(source.id).tenant === filter.tenant) &&
    (filter.run === undefined || source.run === filter.run) &&
    (filter.instance === undefined || source.instance === filter.instance) &&
    (filter.level === undefined || RANK[entry.level] >= RANK[filter.level])
  );
}

/** A predicate for everything a query asks except `before`, `since` and `limit`, which bound the scan. */
export function queryMatcher(query: LogQuery): (entry: LogEntry) => boolean {
  const text = query.text?.toLowerCase();
  const until = query.until?.getTime();
  return (entry) =>
    matchesFilter(entry, query) &&
    (until === undefined || Date.parse(entry.time) <= until) &&
    (text === undefined || entry.line.toLowerCase().includes(text));
}

/** The key of one source: `task/<id>/<run>` or `service/<id>/<instance>`. */
export function sourceKey(source: LogSource): string {
  return `${source.kind}/${source.id}/${source.kind === 'task' ? (source.run ?? '') : String(source.instance ?? '')}`;
}
