export { frameworkErrors, installErrorHandling, toCodedanceError } from './errors.js';
export { expectedVersion } from './if-match.js';
export {
  ErrorResponse,
  FieldProblemSchema,
  LogLevelSchema,
  RunIdSchema,
  ServiceNameSchema,
  TaskIdSchema,
} from './schemas.js';
export { installJsonBodies, validatorCompiler } from './validation.js';
export { parseYamlBody } from './yaml-body.js';
export {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  KeyedListQuery,
  PageAnswer,
  PageQuery,
  PrefixFilter,
  SearchFilter,
  StatusFilter,
  keyedPage,
  pageRequest,
  statusList,
  type PageOrder,
  type PageRequest,
} from './paging.js';
