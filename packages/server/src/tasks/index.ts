export { TaskController } from './controller.js';
export { taskRoutes } from './routes.js';
