export { stripJsonComments } from './json-comments.js';
export { joinArgs, quoteArg, splitArgs, type SplitArgs } from './shell-words.js';
export {
  parseJobFile,
  parseJobText,
  parseTasksFile,
  toTasksFile,
  type ParsedJob,
  type ParsedTasks,
  type TasksFile,
} from './tasks-file.js';
export { planImport, planServices, type ImportPlan, type ServicePlan } from './plan.js';
export { TASK_CSV_COLUMNS, csvField, tasksToCsv } from './csv.js';
export { parsePm2Ecosystem, type Pm2Import } from './pm2.js';
