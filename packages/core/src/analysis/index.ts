/**
 * The analysis judge of progressive delivery: pure decisions over what the router recorded per
 * version, each with the evidence a person needs to see why a step passed or rolled back.
 */
export {
  ANALYSIS_METRICS,
  CHECK_UNITS,
  VERDICTS,
  judgeThresholds,
  summarise,
  type AnalysisMetric,
  type CheckResult,
  type CheckUnit,
  type MetricSummary,
  type ThresholdChecks,
  type Verdict,
  type VersionWindow,
} from './thresholds.js';
export {
  ERROR_TEST_DECISIONS,
  initialErrorTest,
  updateErrorTest,
  type ErrorCounts,
  type ErrorTestDecision,
  type ErrorTestLook,
  type ErrorTestUpdate,
  type SequentialErrorTest,
} from './sequential.js';
export { mannWhitneyU, type MannWhitneyOptions, type MannWhitneyResult } from './mann-whitney.js';
export { mannWhitneyBinned, type BinnedMannWhitneyOptions } from './binned-mann-whitney.js';
export {
  judgeStep,
  type ComparisonOptions,
  type StepComparison,
  type StepInput,
  type StepJudgement,
} from './judge.js';
export {
  STABLE_FAILS_POLICIES,
  STABLE_FAILS_TOO,
  stableFailsTooEvidence,
  weighAgainstStable,
  type StableFailsPolicies,
  type StableFailsPolicy,
  type StableFailsToo,
  type WeighedChecks,
} from './stable-fails-too.js';
export { normalCdf, normalQuantile, normalSurvival } from './normal.js';
