export { COUNTER_KIND, QuotaLedger } from './ledger.js';
export { RateLimiter, installRateLimits } from './rate-limits.js';
export { USAGE_FLUSH_MS, USAGE_KIND, UsageMeter } from './usage-meter.js';
export { usageRoutes } from './routes.js';
