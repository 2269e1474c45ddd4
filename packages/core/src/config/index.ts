export {
  ConfigSchema,
  RESTART_PATHS,
  SECRET_PATHS,
  defaultConfig,
  type Config,
  type LogLevelName,
} from './schema.js';
export {
  ENV_VARIABLES,
  diffConfig,
  environmentLayer,
  getPath,
  leafPaths,
  liveTokenProblems,
  mergeLayers,
  redactConfig,
  redactUrl,
  resolveConfig,
  setPath,
  validateConfig,
  type ConfigChange,
  type ConfigSource,
  type Layer,
  type ResolvedConfig,
} from './layers.js';
export { formatByteSize, parseByteSize } from './size.js';
export { LOG_SIZE_RANGE, configValueProblems } from './values.js';
