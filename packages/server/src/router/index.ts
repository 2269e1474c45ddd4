export {
  RouterClient,
  RouterClientError,
  type RouterClientOptions,
  type RoutesState,
} from './client.js';
export type { RouterHealth, RouterWorkerHealth } from './control.js';
export { LatencyHistogram, type LatencySummary } from './histogram.js';
export {
  parseEndpoint,
  startRouter,
  type Endpoint,
  type RouterOptions,
  type RunningRouter,
} from './process.js';
export { startRouterWorkers, type RunningWorkers, type WorkersOptions } from './primary.js';
export { RouterProxy, type ProxyOptions } from './proxy.js';
export {
  RouterStats,
  type StatsWindow,
  type VersionWindow,
  type RouterStatsOptions,
} from './stats.js';
export {
  EMPTY_TABLE,
  parseRouteTable,
  RouteTableSchema,
  type RouteTable,
  type RouteTableInput,
  type TableProblem,
} from './table.js';
export { STICKY_COOKIE } from './weights.js';
