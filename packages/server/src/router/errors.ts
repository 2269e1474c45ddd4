/**
 * Errors the data plane answers with itself. They follow the core catalogue's
 * shape (`{ error: { code, message, details } }`) and keep stable codes.
 */
export const ROUTER_ERRORS = {
  CD_BAD_GATEWAY: { status: 502, message: 'The backend could not be reached.' },
  CD_GATEWAY_TIMEOUT: { status: 504, message: 'The backend did not answer in time.' },
  CD_NO_ROUTE: { status: 503, message: 'No version is routed to yet.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type RouterErrorCode = keyof typeof ROUTER_ERRORS;

/** The JSON body for a router error, with optional context. */
export function routerErrorBody(code: RouterErrorCode, details?: Record<string, unknown>): string {
  const error = { code, message: ROUTER_ERRORS[code].message, ...(details ? { details } : {}) };
  return JSON.stringify({ error });
}
