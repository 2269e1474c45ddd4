export {
  CONFIG_FILE_NAME,
  ConfigRuntime,
  type ConfigEvents,
  type ConfigReport,
  type ConfigRuntimeOptions,
} from './runtime.js';
export { FileTooLargeError, MAX_DATA_FILE_BYTES, readBoundedText } from './bounded-file.js';
export { dataDirProblem } from './paths.js';
