import type { FieldProblem } from '@codedance/api';

/**
 * A request that did not succeed: the server's stable code and message (`CD_VALIDATION_FAILED`,
 * …), or a code of the client's own: `CD_UNREACHABLE` when no answer came (status 0), and
 * `CD_BAD_RESPONSE` when what answered is not a Codedance server.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The field problems of a validation error (`details.problems`); empty for any other error. */
  get problems(): FieldProblem[] {
    return problemsOf(this.details);
  }

  /** True when the endpoint itself does not exist on this server (an older or newer server). */
  get missingEndpoint(): boolean {
    return this.status === 404 && this.code === 'CD_ROUTE_NOT_FOUND';
  }

  /** True when no answer came at all: refused, unresolvable, reset or timed out. */
  get unreachable(): boolean {
    return this.code === 'CD_UNREACHABLE';
  }
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Keeps only well-formed `{ path, message }` entries of `details.problems`. */
export function problemsOf(details: unknown): FieldProblem[] {
  if (!isRecord(details) || !Array.isArray(details.problems)) return [];
  return details.problems.filter(
    (p): p is FieldProblem =>
      isRecord(p) && typeof p.path === 'string' && typeof p.message === 'string',
  );
}

/**
 * The one reading of an unsuccessful answer: the server's `{ error: { code, message,
 * details? } }` as it is, anything else as `CD_BAD_RESPONSE` naming what was asked.
 */
export function errorOfAnswer(url: string, status: number, body: unknown): ApiError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(status, error.code, error.message, error.details);
  }
  const what =
    body === undefined ? 'an answer that is not JSON' : `an unexpected answer (HTTP ${status})`;
  return new ApiError(
    status,
    'CD_BAD_RESPONSE',
    `${url} sent ${what}: is this a Codedance server?`,
  );
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
};

/**
 * A short reason for a failed fetch. Node's fetch hides the useful part (`ECONNREFUSED`) in
 * `cause`, under a generic "fetch failed"; a browser says only that it failed.
 */
export function networkReason(error: unknown, timeoutMs: number | undefined): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return timeoutMs === undefined
      ? 'the request was cancelled'
      : `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  if (code !== undefined) {
    const words = NETWORK_REASONS[code];
    return words === undefined ? code : `${words} (${code})`;
  }
  // undici refuses the Fetch standard's "bad ports" (1, 22, 25, …) before connecting.
  if (cause instanceof Error && cause.message === 'bad port')
    return 'fetch refuses to connect to this port (a blocked "bad port")';
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The error for a request that got no answer. */
export function unreachable(baseUrl: string, reason: string, cause: unknown): ApiError {
  return new ApiError(
    0,
    'CD_UNREACHABLE',
    `cannot reach Codedance at ${baseUrl}: ${reason}`,
    { url: baseUrl, reason },
    { cause },
  );
}
