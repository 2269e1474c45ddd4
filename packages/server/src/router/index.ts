// What the rest of the server uses of the router: the client of its control
// API and the shapes that API speaks. The router itself (proxy, workers,
// stats) runs in a process of its own from main.ts; the server never loads it.
export {
  RouterClient,
  RouterClientError,
  type RouterClientOptions,
  type RoutesState,
} from './client.js';
export type { RouterHealth, RouterWorkerHealth } from './control.js';
export type { LatencySummary } from './histogram.js';
export type { Endpoint } from './process.js';
export type { StatsWindow, VersionWindow } from './stats.js';
export type { RouteTable, RouteTableInput, TableProblem } from './table.js';
