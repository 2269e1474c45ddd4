import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import {
  CodedanceError,
  MAX_INPUT_DEPTH,
  ajvProblemTranslator,
  jsonDepth,
  type FieldProblem,
} from '@codedance/core';

/**
 * Bodies are checked as sent: a string where a number belongs is an error,
 * not something to coerce. Query strings and path parameters arrive as text,
 * so those are coerced to the declared type. Unknown fields are never
 * silently dropped: they are reported. `verbose` lets the problem translator
 * read each error's schema.
 */
const strict = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true,
  verbose: true,
});
const coercing = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: 'array',
  removeAdditional: false,
  useDefaults: true,
  verbose: true,
});

// ajv-formats is CommonJS: its function is the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
addFormats(strict);
addFormats(coercing);

const strictProblems = ajvProblemTranslator(strict);
const coercingProblems = ajvProblemTranslator(coercing);

const cache = new WeakMap<object, ValidateFunction>();

/** Fastify's validator compiler: Ajv, strict for bodies, coercing for URLs. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const isBody = httpPart === 'body';
  const key = schema as object;
  let validate = isBody ? cache.get(key) : undefined;
  if (!validate) {
    validate = (isBody ? strict : coercing).compile(schema as object);
    if (isBody) cache.set(key, validate);
  }
  const check = validate;
  const toProblems = isBody ? strictProblems : coercingProblems;
  return (data: unknown) =>
    check(data)
      ? { value: data }
      : {
          error: new SchemaValidationError(
            toProblems(check.errors ?? [], data),
            httpPart ?? 'request',
          ),
        };
};

class SchemaValidationError extends Error {
  readonly validation: FieldProblem[];
  readonly validationContext: string;
  constructor(problems: FieldProblem[], part: string) {
    super('validation failed');
    this.validation = problems;
    this.validationContext = part;
  }
}

/** How deep a request body (JSON or YAML) may nest. */
export const MAX_BODY_DEPTH = MAX_INPUT_DEPTH;

/**
 * The API speaks JSON only. Fastify's built-in text parser is removed so a
 * text body is refused with 415 instead of reaching a handler as a string,
 * and JSON nested absurdly deep is refused before any code walks it.
 */
export function installJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(
      request,
      typeof body === 'string' ? body : body.toString('utf8'),
      (error, value: unknown) => {
        if (error) {
          done(error, undefined);
          return;
        }
        if (jsonDepth(value, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
          done(
            new CodedanceError('CD_BODY_TOO_DEEP', {
              message: `The request body nests deeper than ${MAX_BODY_DEPTH} levels.`,
              details: { maxDepth: MAX_BODY_DEPTH },
            }),
            undefined,
          );
          return;
        }
        done(null, value);
      },
    );
  });
}
