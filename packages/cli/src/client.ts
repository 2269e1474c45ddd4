import { ApiError, createClient, type CodedanceClient, type FetchLike } from '@codedance/client';
import { httpFetch } from './http-fetch.js';

export { ApiError, isRecord, problemsOf } from '@codedance/client';
export type { FieldProblem } from '@codedance/api';

/** The server as every command talks to it: the typed client of `@codedance/client`. */
export type ApiClient = CodedanceClient;

/** True when no answer came at all: refused, unresolvable, reset or timed out. */
export function isUnreachable(error: unknown): error is ApiError {
  return error instanceof ApiError && error.unreachable;
}

/**
 * What a refused request said, for commands that act on several items and
 * report each one's outcome; anything but an API refusal is thrown again.
 */
export function refusalOf(error: unknown): { code: string; message: string } {
  if (!(error instanceof ApiError) || error.unreachable) throw error;
  return { code: error.code, message: error.message };
}

export interface ClientOptions {
  /** Base URL without a trailing slash. */
  url: string;
  token?: string | undefined;
  /** Why the local credential could not be read, to say so when the server answers 401. */
  credentialProblem?: string | undefined;
  timeoutMs: number;
  /** Replaced in tests; `node:http` otherwise, which starts faster than Node's fetch. */
  fetch?: FetchLike;
}

/** The client a command uses; a 401 says why the local credential could not be read, if it could not. */
export function cliClient(options: ClientOptions): ApiClient {
  const problem = options.credentialProblem;
  return createClient({
    baseUrl: options.url,
    token: options.token,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch ?? httpFetch,
    onError: (error) =>
      error.status === 401 && problem !== undefined
        ? new ApiError(error.status, error.code, `${error.message} (${problem})`, error.details)
        : undefined,
  });
}

/** Why no answer came (`connection refused (ECONNREFUSED)`), for an unreachable error. */
export function unreachableReason(error: ApiError): string {
  const details = error.details as { reason?: unknown } | undefined;
  return typeof details?.reason === 'string' ? details.reason : error.message;
}
