export { ERROR_CATALOGUE, ERROR_CODES, type ErrorBody, type ErrorCode } from './catalogue.js';
export {
  AlreadyExistsError,
  CodedanceError,
  ConflictError,
  NotFoundError,
  StoreUnavailableError,
  ValidationError,
  isCodedanceError,
  type CodedanceErrorOptions,
  type FieldProblem,
} from './errors.js';
