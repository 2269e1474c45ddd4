export { COUNTER_KIND, QuotaLedger } from './ledger.js';
export { RateLimiter, installRateLimits } from './rate-limits.js';
