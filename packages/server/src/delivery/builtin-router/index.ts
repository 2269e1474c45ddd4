// The built-in router behind the two interfaces the release controller speaks: a traffic
// router and a metrics source. Nothing else in delivery reaches the router's processes.
export { RouterFleet } from './fleet.js';
export { RouterMetricsSource } from './metrics.js';
export { BuiltinTrafficRouter, routerKey } from './traffic.js';
