export * from './errors/index.js';
export * from './config/index.js';
export { TENANT_DEFAULT, TENANT_NAME_PATTERN, tenantNameProblem } from './tenancy.js';
export * from './access/index.js';
export * from './secrets/index.js';
export * from './schedule/index.js';
export * from './tasks/index.js';
export * from './services/index.js';
export * from './imports/index.js';
export * from './analysis/index.js';
export {
  MAX_INPUT_DEPTH,
  ajvProblemTranslator,
  jsonDepth,
  parseBoundedJson,
  type AjvProblemOptions,
  type AjvProblemTranslator,
} from './validation/index.js';
export * from './delivery/index.js';
export * from './metrics/index.js';
export * from './traffic/index.js';
export * from './runtime/index.js';
export * from './paging/index.js';
export * from './quota/index.js';
