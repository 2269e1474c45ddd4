export { cronProblem, cronSchedule, isTimeZone } from './cron.js';
export {
  MISFIRE_POLICIES,
  missedFires,
  nextFireTimes,
  type MisfirePolicy,
  type ScheduleSpec,
} from './fire-times.js';
export {
  OVERLAP_POLICIES,
  decideOverlap,
  type OverlapDecision,
  type OverlapPolicy,
} from './overlap.js';
export {
  RETRY_BACKOFFS,
  jittered,
  retryDelayMs,
  type RetryBackoff,
  type RetryDelayOptions,
} from './retry.js';
