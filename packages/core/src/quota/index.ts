export {
  CAPACITY_RESOURCES,
  CONSUMED_RESOURCES,
  ENFORCEMENTS,
  LIMIT_KINDS,
  USAGE_WINDOWS,
  limitsFromSeedQuota,
  type CapacityLimit,
  type CapacityResource,
  type ConsumedResource,
  type ConsumptionLimit,
  type Enforcement,
  type Limit,
  type LimitKind,
  type RateLimit,
  type SeedTenantQuota,
  type UsageWindow,
} from './limits.js';
export { judgeQuota, type QuotaVerdict } from './verdict.js';
export { rateLimitHeaders, takeTokens, type BucketAnswer, type BucketState } from './bucket.js';
export { rollUp, windowEnd, windowStart, type UsageEvent, type UsageRollup } from './usage.js';
