export {
  CONFIG_FILE_NAME,
  ConfigRuntime,
  type ConfigEvents,
  type ConfigReport,
  type ConfigRuntimeOptions,
} from './runtime.js';
