import { DEPLOYMENT_STATUSES, type DeploymentStatus } from '../../api/types';

export const TIME_RANGES = ['24h', '7d', '30d', '90d', 'all'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

const RANGE_MS: Record<Exclude<TimeRange, 'all'>, number> = {
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
  '90d': 90 * 24 * 3600_000,
};

/**
 * The statuses the list is narrowed to, as the API takes them: one status, or several
 * separated by commas (`FAILED,ROLLED_BACK`), in the order of DEPLOYMENT_STATUSES; '' for all.
 */
export type StatusFilter = string;

/**
 * The groups the overview counts, each a link to the list that shows the same releases: in
 * progress is pending or running, failed is failed or rolled back.
 */
export const STATUS_GROUPS = {
  inProgress: 'PENDING,RUNNING',
  paused: 'PAUSED',
  completed: 'COMPLETED',
  failed: 'FAILED,ROLLED_BACK',
} as const satisfies Record<string, StatusFilter>;

/** Known statuses of a filter, in their canonical order and without repeats; '' when none is known. */
export function normaliseStatus(value: string): StatusFilter {
  const asked = new Set(value.split(','));
  return DEPLOYMENT_STATUSES.filter((s) => asked.has(s)).join(',');
}

/** The statuses of a filter, one by one. */
export function statusesOf(filter: StatusFilter): DeploymentStatus[] {
  return filter === '' ? [] : (filter.split(',') as DeploymentStatus[]);
}

/** What the deployments list is narrowed by; kept in the page's URL. */
export interface DeploymentFilters {
  environment: string;
  status: StatusFilter;
  /** Seed 003 opens on "last 7 days". */
  range: TimeRange;
  q: string;
  app: string;
}

export const DEFAULT_FILTERS: DeploymentFilters = {
  environment: '',
  status: '',
  range: '7d',
  q: '',
  app: '',
};

/** Reads the filters from a page's query string; anything unknown falls back to the default. */
export function filtersFromSearch(search: URLSearchParams): DeploymentFilters {
  const status = normaliseStatus(search.get('status') ?? '');
  const range = search.get('range') ?? DEFAULT_FILTERS.range;
  return {
    environment: search.get('environment') ?? '',
    status,
    range: (TIME_RANGES as readonly string[]).includes(range)
      ? (range as TimeRange)
      : DEFAULT_FILTERS.range,
    q: search.get('q') ?? '',
    app: search.get('app') ?? '',
  };
}

/** The page's query string for these filters; defaults are left out so links stay short. */
export function filtersToSearch(filters: DeploymentFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (filters.environment) out.environment = filters.environment;
  if (filters.status) out.status = filters.status;
  if (filters.range !== DEFAULT_FILTERS.range) out.range = filters.range;
  if (filters.q.trim()) out.q = filters.q.trim();
  if (filters.app) out.app = filters.app;
  return out;
}

/** The start of a time range, as the API's `from`; null for "all time". */
export function rangeStart(range: TimeRange, now: number): string | null {
  return range === 'all' ? null : new Date(now - RANGE_MS[range]).toISOString();
}

/**
 * The query of `GET /api/deployments` (and its export) for these filters,
 * as docs/delivery.md names the parameters. `now` is rounded to the minute
 * so the same filters give the same query (and cache entry) for a minute.
 */
export function deploymentQuery(
  filters: DeploymentFilters,
  options: { now: number; limit?: number; cursor?: string | null },
): Record<string, string | number> {
  const minute = Math.floor(options.now / 60_000) * 60_000;
  const from = rangeStart(filters.range, minute);
  const query: Record<string, string | number> = {};
  if (filters.environment) query.environment = filters.environment;
  if (filters.status) query.status = filters.status;
  if (filters.app) query.app = filters.app;
  if (from !== null) query.from = from;
  if (filters.q.trim()) query.q = filters.q.trim();
  if (options.limit !== undefined) query.limit = options.limit;
  if (options.cursor) query.cursor = options.cursor;
  return query;
}

/** True when anything narrows the list beyond the default range. */
export function isFiltered(filters: DeploymentFilters): boolean {
  return Boolean(filters.environment || filters.status || filters.q.trim() || filters.app);
}
