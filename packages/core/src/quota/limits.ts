/**
 * A tenant's limits, of three kinds: capacity (how many things it may hold at once), rate (how
 * fast it may call) and consumption (how much it may use in a window). Each is hard (refuse) or
 * soft (allow, warn and record an event).
 */
export const LIMIT_KINDS = ['capacity', 'rate', 'consumption'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

export const ENFORCEMENTS = ['hard', 'soft'] as const;
export type Enforcement = (typeof ENFORCEMENTS)[number];

/** What a tenant holds at once. */
export const CAPACITY_RESOURCES = [
  'services',
  'tasks',
  'apps',
  'models',
  'gpus',
  'storage_bytes',
] as const;
export type CapacityResource = (typeof CAPACITY_RESOURCES)[number];

/** What a tenant uses up over time. */
export const CONSUMED_RESOURCES = ['api_calls', 'gpu_seconds', 'cpu_seconds'] as const;
export type ConsumedResource = (typeof CONSUMED_RESOURCES)[number];

/** The windows consumption is counted in, in UTC. */
export const USAGE_WINDOWS = ['hour', 'day'] as const;
export type UsageWindow = (typeof USAGE_WINDOWS)[number];

export interface CapacityLimit {
  kind: 'capacity';
  resource: CapacityResource;
  max: number;
  enforcement: Enforcement;
}

export interface RateLimit {
  kind: 'rate';
  /** Whose calls share the bucket: one API token's, or the whole tenant's. */
  scope: 'token' | 'tenant';
  perSecond: number;
  /** How many calls may come at once after a quiet spell. */
  burst: number;
  enforcement: Enforcement;
}

export interface ConsumptionLimit {
  kind: 'consumption';
  resource: ConsumedResource;
  max: number;
  per: UsageWindow;
  enforcement: Enforcement;
}

export type Limit = CapacityLimit | RateLimit | ConsumptionLimit;

/** Seed 002's `TenantQuota` fields, as its platform stores them. */
export interface SeedTenantQuota {
  max_models?: number;
  max_storage_gb?: number;
  max_gpu_hours?: number;
  max_api_calls_per_day?: number;
}

const GIB = 1024 ** 3;

/** Seed 002's quota fields as hard limits (GPU hours count per day, as its QuotaManager does). */
export function limitsFromSeedQuota(quota: SeedTenantQuota): Limit[] {
  const limits: Limit[] = [];
  if (quota.max_models !== undefined) {
    limits.push({
      kind: 'capacity',
      resource: 'models',
      max: quota.max_models,
      enforcement: 'hard',
    });
  }
  if (quota.max_storage_gb !== undefined) {
    limits.push({
      kind: 'capacity',
      resource: 'storage_bytes',
      max: Math.round(quota.max_storage_gb * GIB),
      enforcement: 'hard',
    });
  }
  if (quota.max_gpu_hours !== undefined) {
    limits.push({
      kind: 'consumption',
      resource: 'gpu_seconds',
      max: Math.round(quota.max_gpu_hours * 3600),
      per: 'day',
      enforcement: 'hard',
    });
  }
  if (quota.max_api_calls_per_day !== undefined) {
    limits.push({
      kind: 'consumption',
      resource: 'api_calls',
      max: quota.max_api_calls_per_day,
      per: 'day',
      enforcement: 'hard',
    });
  }
  return limits;
}
