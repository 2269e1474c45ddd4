export { JobsWatcher } from './jobs.js';
export { transferRoutes } from './routes.js';
