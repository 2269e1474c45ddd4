/**
 * The errors the router answers with, by stable code. The router runs on its
 * own (beside the server, or alone in a container), so it carries its own
 * small table; the codes, statuses and messages are the ones of Codedance's
 * error catalogue, and a server test holds the two together.
 */
export const ROUTER_ERRORS = {
  CD_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  CD_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  CD_VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape.' },
  CD_ROUTE_NOT_FOUND: { status: 404, message: 'No such endpoint.' },
  CD_METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed on this endpoint.' },
  CD_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  CD_INTERNAL: { status: 500, message: 'Something went wrong inside Codedance.' },
  CD_BAD_GATEWAY: { status: 502, message: 'The backend could not be reached.' },
  CD_GATEWAY_TIMEOUT: { status: 504, message: 'The backend did not answer in time.' },
  CD_NO_ROUTE: { status: 503, message: 'No version is routed to yet.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type RouterErrorCode = keyof typeof ROUTER_ERRORS;

/** The JSON body of an error answer: `{ error: { code, message, details? } }`. */
export function errorBody(code: RouterErrorCode, details?: unknown): string {
  return JSON.stringify({
    error: {
      code,
      message: ROUTER_ERRORS[code].message,
      ...(details === undefined ? {} : { details }),
    },
  });
}
