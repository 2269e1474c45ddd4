export {
  ENV_NAME_PATTERN,
  EnvironmentSchema,
  TASK_ID_PATTERN,
  TaskSpecSchema,
  type TaskDefaultedField,
  type TaskSpec,
  type TaskSpecInput,
} from './schema.js';
export { taskCommand, validateTaskSpec } from './validate.js';
export { schemaChecker, specValidator, type Checked, type Validated } from './problems.js';
export {
  EXCEPTION_REASONS,
  RUN_TRIGGERS,
  TASK_STATUSES,
  classifyRun,
  runStats,
  taskStatus,
  type ExceptionReason,
  type RunClassification,
  type RunObservation,
  type RunOutcome,
  type RunStats,
  type RunTrigger,
  type TaskStatus,
} from './runs.js';
