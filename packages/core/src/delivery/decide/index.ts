export { decide } from './decide.js';
export { desiredTable, sameTable, splitOfTable, tableOfSplit, tableWeights } from './routing.js';
export { OVERTIME_LOOKS } from './traffic.js';
export { READY_GRACE_MS, seenSide } from './context.js';
export { RECENT_MIN_MS, TREND_EVERY_MS } from './look.js';
export type {
  Action,
  ActionKind,
  MeasuredVersion,
  MeasuredWindow,
  Measurement,
  Observations,
  RouterObservation,
  SideObservation,
  Span,
  TrafficTable,
} from './world.js';
