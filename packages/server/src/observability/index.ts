export { createServerLog } from './logging.js';
export { createServerMetrics, installRequestMetrics, type ServerMetrics } from './metrics.js';
export { serverLogRoutes } from './routes.js';
export { readServerLog, type ServerLogLine } from './server-log.js';
