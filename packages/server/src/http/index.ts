export { frameworkErrors, installErrorHandling, toCodedanceError } from './errors.js';
export { expectedVersion } from './if-match.js';
// The wire contract lives in @codedance/api; these are the parts every route folder uses.
export {
  ErrorResponse,
  FieldProblemSchema,
  LogLevelSchema,
  RunIdSchema,
  ServiceNameSchema,
  TaskIdSchema,
  errorResponses,
} from '@codedance/api';
export { installJsonBodies, validatorCompiler } from './validation.js';
export { parseYamlBody } from './yaml-body.js';
export { keyedPage, pageRequest, statusList, type PageRequest } from './paging.js';
