export {
  DeliveryController,
  type DeliveryOptions,
  type DeployRequest,
  type ReleaseRole,
} from './controller.js';
export { deliveryRoutes } from './routes.js';
export { BuiltinTrafficRouter, RouterFleet, RouterMetricsSource } from './builtin-router/index.js';
export { appKey, type AppRecord, type DeploymentFilter } from './book.js';
export { DEMO_LOAD, DEMO_SHOP, demoManifest, runDemo, stopDemo, type DemoOptions } from './demo.js';
