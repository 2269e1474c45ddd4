import type { AppRecord } from '@codedance/core';
import {
  CodedanceError,
  NotFoundError,
  TENANT_DEFAULT,
  summariseDeployment,
  type Deployment,
  type DeploymentStatus,
  type DeploymentSummary,
} from '@codedance/core';
import { listAll } from '../store/index.js';
import type { Store } from '../store/index.js';

export type { AppRecord, ServingSide } from '@codedance/core';

export const APP_KIND = 'app';
export const DEPLOYMENT_KIND = 'deployment';
/** A small row per deployment, so lists and filters never load whole records. */
export const DEPLOYMENT_INDEX_KIND = 'deployment-index';

export function appKey(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

export interface DeploymentFilter {
  environment?: string;
  /** Any of these statuses. */
  status?: readonly DeploymentStatus[];
  app?: string;
  /** ISO times: start at or after `from`, before `to`. */
  from?: string;
  to?: string;
  /** Free text: id, app, version, executor, reason. */
  q?: string;
}

/**
 * Apps and deployments in the store, with every deployment's summary held in memory (newest
 * first) so that filtering and paging 10,000 records costs no store reads.
 */
export class DeliveryBook {
  private readonly versions = new Map<string, number>();
  private readonly appVersions = new Map<string, number>();
  private summaries: DeploymentSummary[] = [];
  private readonly byId = new Map<string, DeploymentSummary>();
  /** The newest deployment of each app, by `environment.app`. */
  private latestByApp = new Map<string, DeploymentSummary>();

  constructor(private readonly store: () => Store) {}

  async load(): Promise<void> {
    const rows = await listAll<DeploymentSummary>(
      this.store(),
      TENANT_DEFAULT,
      DEPLOYMENT_INDEX_KIND,
    );
    this.byId.clear();
    for (const row of rows) {
      this.byId.set(row.id, row.data);
      this.versions.set(`index:${row.id}`, row.version);
    }
    this.resort();
  }

  private resort(): void {
    this.summaries = [...this.byId.values()].sort((a, b) => compareKeys(keyOf(b), keyOf(a)));
    this.latestByApp = new Map();
    for (const s of this.summaries) {
      const key = appKey(s.environment, s.app);
      if (!this.latestByApp.has(key)) this.latestByApp.set(key, s);
    }
  }

  // ---- apps

  async apps(): Promise<AppRecord[]> {
    const rows = await listAll<AppRecord>(this.store(), TENANT_DEFAULT, APP_KIND);
    for (const row of rows) this.appVersions.set(row.id, row.version);
    return rows.map((r) => r.data);
  }

  /**
   * One page of apps by key (`namespace.name`), read from the store by
   * keyset; `after` is the store's cursor of the previous page.
   */
  async appsPage(options: {
    limit: number;
    order: 'asc' | 'desc';
    after: string | null;
    prefix?: string | undefined;
  }): Promise<{ items: AppRecord[]; total: number; next: string | null }> {
    const page = await this.store().list<AppRecord>(TENANT_DEFAULT, APP_KIND, {
      by: 'id',
      order: options.order,
      limit: options.limit,
      withTotal: true,
      ...(options.prefix === undefined ? {} : { idPrefix: options.prefix }),
      ...(options.after === null ? {} : { cursor: options.after }),
    });
    for (const row of page.items) this.appVersions.set(row.id, row.version);
    return {
      items: page.items.map((r) => r.data),
      total: page.total ?? page.items.length,
      next: page.nextCursor,
    };
  }

  async app(namespace: string, name: string): Promise<AppRecord> {
    const key = appKey(namespace, name);
    const row = await this.store().get<AppRecord>(TENANT_DEFAULT, APP_KIND, key);
    if (row === null) throw new NotFoundError('app', key);
    this.appVersions.set(key, row.version);
    return row.data;
  }

  async findApp(namespace: string, name: string): Promise<AppRecord | null> {
    try {
      return await this.app(namespace, name);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  async saveApp(record: AppRecord): Promise<AppRecord> {
    const key = appKey(record.spec.namespace, record.spec.name);
    const version = this.appVersions.get(key);
    const saved =
      version === undefined
        ? await this.store().create(TENANT_DEFAULT, APP_KIND, key, record)
        : await this.store().update(TENANT_DEFAULT, APP_KIND, key, record, version);
    this.appVersions.set(key, saved.version);
    return saved.data;
  }

  async deleteApp(namespace: string, name: string): Promise<void> {
    const key = appKey(namespace, name);
    await this.store().delete(TENANT_DEFAULT, APP_KIND, key);
    this.appVersions.delete(key);
  }

  // ---- deployments

  async get(id: string): Promise<Deployment> {
    const row = await this.store().get<Deployment>(TENANT_DEFAULT, DEPLOYMENT_KIND, id);
    if (row === null) throw new NotFoundError('deployment', id);
    this.versions.set(id, row.version);
    // Records written by an older server lack the fields added since.
    return {
      ...row.data,
      trafficChange: row.data.trafficChange ?? null,
      ending: row.data.ending ?? null,
    };
  }

  /** Writes a deployment (created or changed) and its summary when that changed. */
  async save(d: Deployment): Promise<Deployment> {
    const store = this.store();
    const version = this.versions.get(d.id);
    const saved =
      version === undefined
        ? await store.create(TENANT_DEFAULT, DEPLOYMENT_KIND, d.id, d)
        : await store.update(TENANT_DEFAULT, DEPLOYMENT_KIND, d.id, d, version);
    this.versions.set(d.id, saved.version);
    const summary = summariseDeployment(d);
    const known = this.byId.get(d.id);
    if (known === undefined || !sameSummary(known, summary)) {
      const indexVersion = this.versions.get(`index:${d.id}`);
      const row =
        indexVersion === undefined
          ? await store.create(TENANT_DEFAULT, DEPLOYMENT_INDEX_KIND, d.id, summary)
          : await store.update(TENANT_DEFAULT, DEPLOYMENT_INDEX_KIND, d.id, summary, indexVersion);
      this.versions.set(`index:${d.id}`, row.version);
      this.byId.set(d.id, summary);
      if (known === undefined) this.resort();
      else {
        this.summaries = this.summaries.map((s) => (s.id === d.id ? summary : s));
        const key = appKey(summary.environment, summary.app);
        if (this.latestByApp.get(key)?.id === d.id) this.latestByApp.set(key, summary);
      }
    }
    return saved.data;
  }

  summaryOf(id: string): DeploymentSummary | undefined {
    return this.byId.get(id);
  }

  /** Summaries matching `filter`, newest first. */
  filter(filter: DeploymentFilter): DeploymentSummary[] {
    const matches = matcher(filter);
    return this.summaries.filter(matches);
  }

  /**
   * One page of `filter`'s matches, newest first (or oldest first), by
   * keyset: the page starts just after `after`, the (start time, id) of the
   * previous page's last item, found by binary search; `total` counts every
   * match without copying them.
   */
  page(
    filter: DeploymentFilter,
    options: { limit: number; order: 'asc' | 'desc'; after: string | null },
  ): { items: DeploymentSummary[]; total: number; next: string | null } {
    const matches = matcher(filter);
    const all = this.summaries;
    const after = options.after === null ? null : parseKey(options.after);
    const step = options.order === 'desc' ? 1 : -1;
    let i = options.order === 'desc' ? 0 : all.length - 1;
    if (after !== null) {
      // The array is newest first: the first entry older than `after`, or the last newer one.
      const older = firstIndex(all, (s) => compareKeys(keyOf(s), after) < 0);
      const olderOrSame = firstIndex(all, (s) => compareKeys(keyOf(s), after) <= 0);
      i = options.order === 'desc' ? older : olderOrSame - 1;
    }
    const items: DeploymentSummary[] = [];
    let more = false;
    for (; i >= 0 && i < all.length; i += step) {
      const summary = all[i];
      if (summary === undefined || !matches(summary)) continue;
      if (items.length === options.limit) {
        more = true;
        break;
      }
      items.push(summary);
    }
    let total = 0;
    for (const summary of all) if (matches(summary)) total++;
    const last = items.at(-1);
    return { items, total, next: more && last ? JSON.stringify(keyOf(last)) : null };
  }

  /** Deployments that have not ended, oldest first. */
  active(): DeploymentSummary[] {
    return this.summaries
      .filter((s) => s.status === 'PENDING' || s.status === 'RUNNING' || s.status === 'PAUSED')
      .reverse();
  }

  /** The newest deployment of an app, if any. */
  latest(namespace: string, app: string): DeploymentSummary | undefined {
    return this.latestByApp.get(appKey(namespace, app));
  }
}

/** What deployments are ordered by: start time, then id. */
type SummaryKey = [startTime: string, id: string];

function keyOf(s: DeploymentSummary): SummaryKey {
  return [s.startTime, s.id];
}

function compareKeys(a: SummaryKey, b: SummaryKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function parseKey(text: string): SummaryKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string'
  ) {
    return [value[0], value[1]];
  }
  throw new CodedanceError('CD_BAD_REQUEST', {
    message: 'cursor is not one this server gave.',
    details: { field: 'cursor' },
  });
}

/** The first index where `test` holds, in an array where it holds from some index on. */
function firstIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  let a = 0;
  let b = items.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (test(items[mid] as T)) b = mid;
    else a = mid + 1;
  }
  return a;
}

function matcher(filter: DeploymentFilter): (s: DeploymentSummary) => boolean {
  const q = filter.q?.trim().toLowerCase();
  return (s) =>
    (filter.environment === undefined || s.environment === filter.environment) &&
    (filter.status === undefined || filter.status.includes(s.status)) &&
    (filter.app === undefined || s.app === filter.app) &&
    (filter.from === undefined || s.startTime >= filter.from) &&
    (filter.to === undefined || s.startTime < filter.to) &&
    (q === undefined ||
      q === '' ||
      [s.id, s.app, s.version, s.executor, s.environment, s.reason ?? '']
        .join('\u0000')
        .toLowerCase()
        .includes(q));
}

function sameSummary(a: DeploymentSummary, b: DeploymentSummary): boolean {
  return (Object.keys(b) as (keyof DeploymentSummary)[]).every((k) => a[k] === b[k]);
}
