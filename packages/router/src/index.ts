// What other packages use of the router: the client of its control API, the
// shapes that API speaks, and where its command is. The router itself (proxy,
// peers, stats) runs in processes of its own, started from that command; no
// other package ever loads it.
import { fileURLToPath } from 'node:url';

export {
  RouterClient,
  RouterClientError,
  type RouterClientOptions,
  type RoutesState,
} from './client.js';
export type { RouterHealth, RouterWorkerHealth } from './control.js';
export { ROUTER_ERRORS, type RouterErrorCode } from './errors.js';
export type { LatencySummary } from './histogram.js';
export type { Endpoint } from './process.js';
export { MAX_SOCKET_PATH_BYTES, SocketPathTooLongError, controlSocketPath } from './socket-path.js';
export { LATENCY_BOUNDS_MS } from './buckets.js';
export type { LatencyBuckets, StatsWindow, VersionWindow } from './stats.js';
export type { RouteTable, RouteTableInput, TableProblem } from './table.js';

/**
 * The router's executable (`codedance-router`), to run with `node`; the same
 * path whether this module is loaded from its sources or its build.
 */
export const ROUTER_BIN = fileURLToPath(new URL('../bin/codedance-router.js', import.meta.url));
