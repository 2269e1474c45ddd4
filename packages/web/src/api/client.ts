/** One problem with an input, named by its JSON pointer (`/script_path`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * An answer that was not a success: the server's stable code and message
 * (`CD_VALIDATION_FAILED`, …), or a code of our own when the server could
 * not be reached or answered something that is not Codedance's JSON.
 */
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

  /** The field problems of a validation error; empty for any other error. */
  get problems(): FieldProblem[] {
    const problems = (this.details as { problems?: unknown } | undefined)?.problems;
    if (!Array.isArray(problems)) return [];
    return problems.filter(
      (p): p is FieldProblem =>
        typeof (p as FieldProblem | null)?.path === 'string' &&
        typeof (p as FieldProblem).message === 'string',
    );
  }

  /** True when the endpoint itself does not exist on this server (an older or newer server). */
  get missingEndpoint(): boolean {
    return this.status === 404 && this.code === 'CD_ROUTE_NOT_FOUND';
  }
}

type UnauthorizedListener = (error: ApiError) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called on every 401, so the app can ask to sign in. Returns the unsubscribe function. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Tells the listeners that the server no longer knows this browser (a 401, or a socket closed 4401). */
export function notifyUnauthorized(error: ApiError): void {
  for (const listener of unauthorizedListeners) listener(error);
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; details?: unknown };
    };
    const error = parsed.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      return new ApiError(response.status, error.code, error.message, error.details);
    }
  } catch {
    // Not JSON: a proxy's page or the server's plain-text notice.
  }
  const message = text.trim().split('\n')[0] || `${response.status} ${response.statusText}`;
  return new ApiError(response.status, `HTTP_${response.status}`, message.slice(0, 300));
}

/**
 * Sends a request (the browser adds the session cookie: same origin only);
 * answers the raw response or throws ApiError.
 */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') throw cause;
    throw new ApiError(0, 'CD_NETWORK', 'The server cannot be reached.');
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401) notifyUnauthorized(error);
    throw error;
  }
  return response;
}

/** Sends a request and parses the JSON answer; T is what the endpoint documents. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Builds `path?a=1&b=2`, leaving out empty values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | null | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Saves what an endpoint answers as a file, named as the server says (or `fallbackName`). */
export async function download(
  path: string,
  fallbackName: string,
  options: RequestOptions = {},
): Promise<void> {
  const response = await send(path, { ...options, headers: { accept: '*/*', ...options.headers } });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  saveBlob(await response.blob(), name);
}

/** Offers a blob to the person as a download. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
