import type { AppRecord } from '@codedance/core';
import {
  CodedanceError,
  NotFoundError,
  summariseDeployment,
  type Deployment,
  type DeploymentStatus,
  type DeploymentSummary,
} from '@codedance/core';
import { listAll } from '../store/index.js';
import type { TenantStore } from '../store/index.js';

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

  constructor(private readonly store: TenantStore) {}

  async load(): Promise<void> {
    const rows = await listAll<DeploymentSummary>(
      this.store(),
      this.store.tenant,
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
    this.summaries = [...this.byId.values()].sort((a, b) =>
      a.startTime === b.startTime
        ? b.id.localeCompare(a.id)
        : b.startTime.localeCompare(a.startTime),
    );
  }

  // ---- apps

  async apps(): Promise<AppRecord[]> {
    const rows = await listAll<AppRecord>(this.store(), this.store.tenant, APP_KIND);
    for (const row of rows) this.appVersions.set(row.id, row.version);
    return rows.map((r) => r.data);
  }

  async app(namespace: string, name: string): Promise<AppRecord> {
    const key = appKey(namespace, name);
    const row = await this.store().get<AppRecord>(this.store.tenant, APP_KIND, key);
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
        ? await this.store().create(this.store.tenant, APP_KIND, key, record)
        : await this.store().update(this.store.tenant, APP_KIND, key, record, version);
    this.appVersions.set(key, saved.version);
    return saved.data;
  }

  async deleteApp(namespace: string, name: string): Promise<void> {
    const key = appKey(namespace, name);
    await this.store().delete(this.store.tenant, APP_KIND, key);
    this.appVersions.delete(key);
  }

  // ---- deployments

  async get(id: string): Promise<Deployment> {
    const row = await this.store().get<Deployment>(this.store.tenant, DEPLOYMENT_KIND, id);
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
        ? await store.create(this.store.tenant, DEPLOYMENT_KIND, d.id, d)
        : await store.update(this.store.tenant, DEPLOYMENT_KIND, d.id, d, version);
    this.versions.set(d.id, saved.version);
    const summary = summariseDeployment(d);
    const known = this.byId.get(d.id);
    if (known === undefined || !sameSummary(known, summary)) {
      const indexVersion = this.versions.get(`index:${d.id}`);
      const row =
        indexVersion === undefined
          ? await store.create(this.store.tenant, DEPLOYMENT_INDEX_KIND, d.id, summary)
          : await store.update(
              this.store.tenant,
              DEPLOYMENT_INDEX_KIND,
              d.id,
              summary,
              indexVersion,
            );
      this.versions.set(`index:${d.id}`, row.version);
      this.byId.set(d.id, summary);
      if (known === undefined) this.resort();
      else this.summaries = this.summaries.map((s) => (s.id === d.id ? summary : s));
    }
    return saved.data;
  }

  summaryOf(id: string): DeploymentSummary | undefined {
    return this.byId.get(id);
  }

  /** Summaries matching `filter`, newest first. */
  filter(filter: DeploymentFilter): DeploymentSummary[] {
    const q = filter.q?.trim().toLowerCase();
    return this.summaries.filter(
      (s) =>
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
            .includes(q)),
    );
  }

  /** One page of `filter`'s matches; the cursor is the offset of the next page. */
  page(
    filter: DeploymentFilter,
    limit: number,
    cursor: string | undefined,
  ): { items: DeploymentSummary[]; total: number; nextCursor: string | null } {
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new CodedanceError('CD_BAD_REQUEST', {
        message: 'cursor is not one this server gave.',
      });
    }
    const all = this.filter(filter);
    const items = all.slice(offset, offset + limit);
    const next = offset + items.length;
    return { items, total: all.length, nextCursor: next < all.length ? String(next) : null };
  }

  /** Deployments that have not ended, oldest first. */
  active(): DeploymentSummary[] {
    return this.summaries
      .filter((s) => s.status === 'PENDING' || s.status === 'RUNNING' || s.status === 'PAUSED')
      .reverse();
  }

  /** The newest deployment of an app, if any. */
  latest(namespace: string, app: string): DeploymentSummary | undefined {
    return this.summaries.find((s) => s.environment === namespace && s.app === app);
  }
}

function sameSummary(a: DeploymentSummary, b: DeploymentSummary): boolean {
  return (Object.keys(b) as (keyof DeploymentSummary)[]).every((k) => a[k] === b[k]);
}
