import { httpFetch, type FetchLike, type HttpAnswer } from './http-fetch.js';

/** One field that failed validation, named by its JSON pointer (`/server/port`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The server answered with an error (`{ error: { code, message, details? } }`) or not like Codedance. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Validation problems from `details.problems`, when the server sent any. */
  get problems(): FieldProblem[] {
    return problemsOf(this.details);
  }
}

/**
 * What a refused request said, for commands that act on several items and
 * report each one's outcome; anything but an API refusal is thrown again.
 */
export function refusalOf(error: unknown): { code: string; message: string } {
  if (!(error instanceof ApiError)) throw error;
  return { code: error.code, message: error.message };
}

/** No HTTP answer at all: refused, unresolvable, reset or timed out. */
export class UnreachableError extends Error {
  readonly url: string;
  readonly reason: string;

  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach Codedance at ${url}: ${reason}`, cause === undefined ? {} : { cause });
    this.name = 'UnreachableError';
    this.url = url;
    this.reason = reason;
  }
}

/** Keeps only well-formed `{ path, message }` entries of `details.problems`. */
export function problemsOf(details: unknown): FieldProblem[] {
  if (!isRecord(details) || !Array.isArray(details.problems)) return [];
  return details.problems.filter(
    (p): p is FieldProblem =>
      isRecord(p) && typeof p.path === 'string' && typeof p.message === 'string',
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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
 * A short reason for a failed fetch. Node's fetch hides the useful part
 * (`ECONNREFUSED`) in `cause`, under a generic "fetch failed".
 */
export function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
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

export interface ClientOptions {
  /** Base URL without a trailing slash. */
  url: string;
  token?: string | undefined;
  /** Why the local credential could not be read, to say so when the server answers 401. */
  credentialProblem?: string | undefined;
  timeoutMs: number;
  /** Replaced in tests. */
  fetch?: FetchLike;
}

/** An HTTP answer as received, before it is judged. */
export interface RawAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
}

/** The HTTP methods of the server's API. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A request body sent as it is, with its own content type (a YAML manifest), instead of as JSON. */
export class TextBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

/** The small HTTP client every command uses. */
export class ApiClient {
  readonly url: string;
  /** Whether requests carry a token (the token itself is never exposed). */
  readonly hasToken: boolean;
  /** Why the local credential could not be read; undefined when nothing went wrong. */
  readonly credentialProblem: string | undefined;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;

  constructor(options: ClientOptions) {
    this.url = options.url;
    this.hasToken = options.token !== undefined;
    this.credentialProblem = options.credentialProblem;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs;
    this.fetchImpl = options.fetch ?? httpFetch;
  }

  /** Sends a request and returns whatever came back; throws only UnreachableError. */
  async raw(
    method: Method,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<RawAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body instanceof TextBody) headers['content-type'] = body.contentType;
    else if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body instanceof TextBody ? body.text : JSON.stringify(body);
    let response: HttpAnswer;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new UnreachableError(this.url, networkReason(error, this.timeoutMs), error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  }

  /**
   * Sends a request (a JSON body when given, `headers` added to the usual
   * ones) and reads its JSON answer; non-2xx answers become ApiError.
   */
  async request<T>(
    method: Method,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    // The server's response schemas are the contract; callers guard the fields they rely on.
    return this.judge(method, path, await this.raw(method, path, body, headers)) as T;
  }

  /** GET a JSON answer; non-2xx answers become ApiError. */
  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** POST a JSON body (or a TextBody as it is); non-2xx answers become ApiError. */
  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, body, headers);
  }

  /** PUT a JSON body and read a JSON answer; non-2xx answers become ApiError. */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  /** DELETE; resolves to the JSON answer, or undefined for an empty one (204). */
  delete<T = undefined>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private judge(method: Method, path: string, answer: RawAnswer): unknown {
    if (answer.status >= 200 && answer.status < 300) {
      if (answer.body !== undefined) return answer.body;
      // A deletion has nothing to say (204); elsewhere an empty answer is not from Codedance.
      if (method === 'DELETE' && answer.text === '') return undefined;
    }
    const error = toApiError(this.url, path, answer);
    if (error.status === 401 && this.credentialProblem !== undefined) {
      throw new ApiError(
        error.status,
        error.code,
        `${error.message} (${this.credentialProblem})`,
        error.details,
      );
    }
    throw error;
  }
}

/** Turns an unsuccessful answer into an ApiError, keeping the server's code when it sent one. */
export function toApiError(url: string, path: string, answer: RawAnswer): ApiError {
  const error = isRecord(answer.body) ? answer.body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(answer.status, error.code, error.message, error.details);
  }
  const what =
    answer.body === undefined
      ? 'an answer that is not JSON'
      : `an unexpected answer (HTTP ${answer.status})`;
  return new ApiError(
    answer.status,
    'CD_BAD_RESPONSE',
    `${url}${path} sent ${what}: is this a Codedance server?`,
  );
}
