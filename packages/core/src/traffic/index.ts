export {
  CANARY_HEADER,
  STICKY_COOKIE,
  sameWeights,
  splitWeights,
  type AppRef,
  type AppliedSplit,
  type TrafficRouter,
  type TrafficSplit,
  type VersionRoute,
  type VersionTarget,
} from './router.js';
