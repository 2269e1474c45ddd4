import { ApiError, errorOfAnswer, networkReason, unreachable } from './errors.js';

/** A request as the client sends it: the part of fetch's `RequestInit` it uses. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** An answer as the client reads it: the part of fetch's `Response` it uses. */
export interface FetchAnswer {
  status: number;
  text(): Promise<string>;
  headers?: { get(name: string): string | null };
}

/**
 * What requests are sent with: the global `fetch` by default; in Node a lighter one can be
 * given (the CLI's, over `node:http`), or one that records requests in a test.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchAnswer>;

/** The HTTP methods of the API. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type QueryValue = string | number | boolean | null | undefined | readonly string[];

export interface ClientOptions {
  /** Where the server is, without a trailing slash: `http://127.0.0.1:8100`; '' for the page's own origin. */
  baseUrl: string;
  /** The admin token, sent as `Authorization: Bearer …`; a browser signed in by cookie needs none. */
  token?: string | undefined;
  fetch?: FetchLike;
  /** Give up on a request after this long; no limit by default. */
  timeoutMs?: number;
  /**
   * Sees every error before it is thrown and may answer another one instead: a dashboard asks
   * to sign in again on a 401, a command line adds why its credential could not be read.
   */
  onError?: (error: ApiError) => ApiError | undefined;
}

export interface CallOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with its own content type (a YAML manifest), instead of `body`. */
  text?: { content: string; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** An answer as received, before it is judged. */
export interface RawAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
  headers: { get(name: string): string | null };
}

const NO_HEADERS = { get: () => null };

/** `path?a=1&b=2`, leaving out empty values and repeating a list's name for each entry. */
export function withQuery(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value))
      for (const item of value as readonly string[]) params.append(key, item);
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Sends requests and judges their answers: the one place every call goes through. */
export class Transport {
  readonly baseUrl: string;
  private readonly options: ClientOptions;
  private readonly fetch: FetchLike;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl;
    this.options = options;
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  /** Whether requests carry a token (the token itself is never exposed). */
  get hasToken(): boolean {
    return this.options.token !== undefined;
  }

  /** Sends a request and answers whatever came back; throws only when no answer came. */
  async raw(method: Method, path: string, options: CallOptions = {}): Promise<RawAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    let payload: string | undefined;
    if (options.text !== undefined) {
      headers['content-type'] = options.text.contentType;
      payload = options.text.content;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const signal = this.signal(options.signal);
    let answer: FetchAnswer;
    let text: string;
    try {
      answer = await this.fetch(`${this.baseUrl}${withQuery(path, options.query)}`, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        ...(signal === undefined ? {} : { signal }),
      });
      text = await answer.text();
    } catch (error) {
      // The caller's own cancellation is not a failure to report.
      if (options.signal?.aborted === true) throw error;
      throw this.judged(
        unreachable(this.baseUrl, networkReason(error, this.options.timeoutMs), error),
      );
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: answer.status, body, text, headers: answer.headers ?? NO_HEADERS };
  }

  /** Sends a request and answers its JSON; any other answer becomes an ApiError. */
  async call<T>(method: Method, path: string, options: CallOptions = {}): Promise<T> {
    const answer = await this.raw(method, path, options);
    if (answer.status >= 200 && answer.status < 300) {
      if (answer.body !== undefined) return answer.body as T;
      // A 204 has nothing to say; elsewhere an empty or non-JSON answer is not from Codedance.
      if (answer.text === '' && (answer.status === 204 || method === 'DELETE'))
        return undefined as T;
    }
    throw this.judged(errorOfAnswer(`${this.baseUrl}${path}`, answer.status, answer.body));
  }

  /** Sends a request and answers its body as text (an exported file); failures as in `call`. */
  async text(method: Method, path: string, options: CallOptions = {}): Promise<RawAnswer> {
    const answer = await this.raw(method, path, {
      ...options,
      headers: { accept: '*/*', ...options.headers },
    });
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.judged(errorOfAnswer(`${this.baseUrl}${path}`, answer.status, answer.body));
  }

  private judged(error: ApiError): ApiError {
    return this.options.onError?.(error) ?? error;
  }

  private signal(given: AbortSignal | undefined): AbortSignal | undefined {
    const { timeoutMs } = this.options;
    if (timeoutMs === undefined) return given;
    const timeout = AbortSignal.timeout(timeoutMs);
    return given === undefined ? timeout : AbortSignal.any([given, timeout]);
  }
}
