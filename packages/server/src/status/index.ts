export { statusRoutes } from './routes.js';
export { killRoute } from './kill.js';
