import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CodedanceError,
  ValidationError,
  isCodedanceError,
  type FieldProblem,
} from '@codedance/core';

/** Fastify's own error codes, mapped to ours. Anything else unexpected is a 500. */
const FASTIFY_CODES: Record<string, (error: FastifyError) => CodedanceError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (e) =>
    new CodedanceError('CD_INVALID_JSON', {
      message: `The request body is not valid JSON: ${e.message}`,
    }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new CodedanceError('CD_INVALID_JSON', {
      message: "The body is empty but content-type is 'application/json'.",
    }),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new CodedanceError('CD_PAYLOAD_TOO_LARGE'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new CodedanceError('CD_BAD_REQUEST', { message: 'Content-Length does not match the body.' }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (e) =>
    new CodedanceError('CD_UNSUPPORTED_MEDIA_TYPE', {
      message: `${e.message}; send application/json.`,
    }),
  FST_ERR_CTP_INVALID_TYPE: () => new CodedanceError('CD_UNSUPPORTED_MEDIA_TYPE'),
  FST_ERR_BAD_URL: () => new CodedanceError('CD_BAD_REQUEST', { message: 'The URL is not valid.' }),
  FST_ERR_ASYNC_CONSTRAINT: () => new CodedanceError('CD_BAD_REQUEST'),
};

function fromValidation(error: FastifyError): CodedanceError {
  const part = (error.validationContext as string | undefined) ?? 'request';
  const where =
    part === 'querystring' ? 'query parameter' : part === 'params' ? 'path parameter' : part;
  const raw = error.validation as unknown;
  const problems: FieldProblem[] = Array.isArray(raw)
    ? (raw as { path?: string; instancePath?: string; message?: string }[]).map((p) => ({
        path: p.path ?? p.instancePath ?? '',
        message: p.message ?? 'is not valid',
      }))
    : [];
  return new ValidationError(problems, where);
}

/** Maps any thrown error to the catalogue; unknown errors become CD_INTERNAL. */
export function toCodedanceError(error: unknown): CodedanceError {
  if (isCodedanceError(error)) return error;
  const fe = error as Partial<FastifyError> | null;
  if (fe && typeof fe === 'object') {
    if (fe.validation) return fromValidation(fe as FastifyError);
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return mapped(fe as FastifyError);
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code =
        fe.statusCode === 413
          ? 'CD_PAYLOAD_TOO_LARGE'
          : fe.statusCode === 415
            ? 'CD_UNSUPPORTED_MEDIA_TYPE'
            : 'CD_BAD_REQUEST';
      const message = typeof fe.message === 'string' && fe.message !== '' ? fe.message : undefined;
      return new CodedanceError(
        code,
        message === undefined ? { cause: error } : { message, cause: error },
      );
    }
  }
  return new CodedanceError('CD_INTERNAL', { cause: error });
}

/**
 * One error handler for the whole API: every 4xx/5xx leaves as
 * `{ error: { code, message, details? } }`. 5xx are logged with their cause;
 * their stack never reaches the client.
 */
export function installErrorHandling(
  app: FastifyInstance,
  options: {
    /**
     * Answers an unknown path a browser asked for as a page (the dashboard's own not-found
     * screen); false when it did not, for the API's JSON 404.
     */
    notFoundPage?: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  } = {},
): void {
  // A request that arrives while the server closes (on a connection it still
  // holds) gets this answer too, not Fastify's own 503 body: the app is built
  // with `return503OnClosing: false`.
  let closing = false;
  app.addHook('preClose', () => {
    closing = true;
    return Promise.resolve();
  });
  app.addHook('onRequest', (_request, _reply, done) => {
    done(closing ? new CodedanceError('CD_SHUTTING_DOWN') : undefined);
  });
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = toCodedanceError(error);
    if (mapped.status >= 500) {
      request.log.error({ err: error, code: mapped.code }, mapped.message);
    } else {
      request.log.info({ code: mapped.code, msg: mapped.message }, 'request refused');
    }
    if (mapped.code === 'CD_STORE_UNAVAILABLE' || mapped.code === 'CD_SHUTTING_DOWN') {
      void reply.header('retry-after', '2');
    }
    return reply
      .status(mapped.status)
      .type('application/json; charset=utf-8')
      .send(mapped.toBody());
  });

  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const page =
      options.notFoundPage === undefined ? null : await options.notFoundPage(request, reply);
    if (page) return page;
    const error = new CodedanceError('CD_ROUTE_NOT_FOUND', {
      message: `No endpoint ${request.method} ${request.url.split('?')[0] ?? ''}.`,
    });
    return reply.status(error.status).send(error.toBody());
  });
}

/**
 * Fastify answers some errors (a URL that does not decode, say) before any
 * hook runs; this option hands them to the same mapping.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const mapped = toCodedanceError(error);
  void reply.status(mapped.status).type('application/json; charset=utf-8').send(mapped.toBody());
}
