import type { CapacityLimit, ConsumptionLimit } from './limits.js';

/** What a counted limit says about taking `requested` more units when `used` are taken. */
export interface QuotaVerdict {
  allowed: boolean;
  /** Over a soft limit: allowed, but the caller is told and an event is recorded. */
  warning: boolean;
  limit: number;
  used: number;
  requested: number;
  /** How many units would still fit, so a refusal can say what would have been accepted. */
  fits: number;
}

/**
 * Judge a request against a capacity or consumption limit. A request that fits is allowed; one
 * that does not is refused under a hard limit and allowed with a warning under a soft one. A
 * request for nothing always fits, so reading never counts against a full quota.
 */
export function judgeQuota(
  limit: Pick<CapacityLimit | ConsumptionLimit, 'max' | 'enforcement'>,
  used: number,
  requested: number,
): QuotaVerdict {
  if (!Number.isFinite(requested) || requested < 0) {
    throw new RangeError(`a quota request must be a finite amount of at least 0, not ${requested}`);
  }
  const fits = Math.max(0, limit.max - used);
  const within = requested <= fits;
  return {
    allowed: within || limit.enforcement === 'soft',
    warning: !within && limit.enforcement === 'soft',
    limit: limit.max,
    used,
    requested,
    fits,
  };
}
