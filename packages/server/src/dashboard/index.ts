export { dashboardDir } from './locate.js';
export {
  DASHBOARD_NOT_BUILT,
  DASHBOARD_PAGES,
  dashboardRoutes,
  type DashboardOptions,
} from './routes.js';
