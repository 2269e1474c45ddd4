/**
 * Every error Codedance reports, with its stable code, HTTP status and a
 * default message. Codes never change meaning once published: clients,
 * the CLI and the dashboard match on them.
 */
export const ERROR_CATALOGUE = {
  CD_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  CD_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  CD_VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape.' },
  CD_INVALID_YAML: { status: 400, message: 'The request body is not valid YAML.' },
  CD_BODY_TOO_DEEP: { status: 400, message: 'The request body nests too deeply.' },
  CD_YAML_TOO_MANY_ALIASES: {
    status: 400,
    message: 'The YAML body uses more aliases than allowed.',
  },
  CD_UNAUTHENTICATED: { status: 401, message: 'A valid API token is required.' },
  CD_FORBIDDEN: { status: 403, message: 'This token may not perform this action.' },
  CD_CROSS_ORIGIN: {
    status: 403,
    message: 'A page on another site may not change anything here.',
  },
  CD_UNKNOWN_HOST: {
    status: 421,
    message: 'This server does not answer to that host name.',
  },
  CD_LOGIN_CODE_INVALID: {
    status: 401,
    message: 'This sign-in link is not valid: it was used already or has expired.',
  },
  CD_SESSION_ENDED: { status: 401, message: 'The session has ended; sign in again.' },
  CD_TOKEN_MANAGED_ELSEWHERE: {
    status: 409,
    message: 'The admin token is set outside Codedance; change it where it is set.',
  },
  CD_ROUTE_NOT_FOUND: { status: 404, message: 'No such endpoint.' },
  CD_NOT_FOUND: { status: 404, message: 'The requested object does not exist.' },
  CD_METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed on this endpoint.' },
  CD_CONFLICT: {
    status: 409,
    message: 'The object was changed by someone else; reload and retry.',
  },
  CD_INVALID_STATE: {
    status: 409,
    message: 'The object is not in a state that allows this action.',
  },
  CD_ALREADY_EXISTS: { status: 409, message: 'An object with this id already exists.' },
  CD_RELEASE_MANAGED: {
    status: 409,
    message:
      'This service runs a version of an app for the release controller; act on the release or the app instead.',
  },
  CD_LEASE_LOST: {
    status: 409,
    message: 'The writer no longer holds the lease it acts under.',
  },
  CD_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  CD_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not supported.' },
  CD_INVALID_CONFIG: { status: 422, message: 'The configuration is not valid.' },
  CD_TRAFFIC_UNSUPPORTED: {
    status: 422,
    message: 'This traffic provider cannot route traffic that way.',
  },
  CD_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down.' },
  CD_QUOTA_EXCEEDED: {
    status: 403,
    message: 'This would go over a quota of the tenant.',
  },
  CD_INTERNAL: { status: 500, message: 'Something went wrong inside Codedance.' },
  CD_UNSUPPORTED_PLATFORM: {
    status: 501,
    message: 'This feature is not available on this platform.',
  },
  CD_STORE_UNAVAILABLE: { status: 503, message: 'The store cannot be reached; retry shortly.' },
  CD_SHUTTING_DOWN: { status: 503, message: 'The server is shutting down.' },
  CD_BAD_GATEWAY: { status: 502, message: 'The backend could not be reached.' },
  CD_GATEWAY_TIMEOUT: { status: 504, message: 'The backend did not answer in time.' },
  CD_NO_ROUTE: { status: 503, message: 'No version is routed to yet.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The JSON body of every 4xx and 5xx answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
