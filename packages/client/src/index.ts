export {
  createClient,
  type CodedanceClient,
  type RequestOptions,
  type WriteOptions,
} from './client.js';
export { ApiError, errorOfAnswer, isRecord, networkReason, problemsOf } from './errors.js';
export {
  withQuery,
  type CallOptions,
  type ClientOptions,
  type FetchAnswer,
  type FetchInit,
  type FetchLike,
  type Method,
  type QueryValue,
  type RawAnswer,
} from './transport.js';
