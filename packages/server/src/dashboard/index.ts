export { dashboardDir } from './locate.js';
export {
  DASHBOARD_NOT_BUILT,
  DASHBOARD_PAGES,
  dashboardNotFound,
  dashboardRoutes,
  type DashboardOptions,
} from './routes.js';
