export { ERROR_CATALOGUE, type ErrorBody, type ErrorCode } from './catalogue.js';
export {
  AlreadyExistsError,
  CodedanceError,
  ConflictError,
  LeaseLostError,
  NotFoundError,
  StoreUnavailableError,
  ValidationError,
  isCodedanceError,
  type CodedanceErrorOptions,
  type FieldProblem,
} from './errors.js';
