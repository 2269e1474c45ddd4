import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { CodedanceError, type FieldProblem } from '@codedance/core';

/**
 * Bodies are checked as sent: a string where a number belongs is an error,
 * not something to coerce. Query strings and path parameters arrive as text,
 * so those are coerced to the declared type. Unknown fields are never
 * silently dropped: they are reported.
 */
const strict = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true,
});
const coercing = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: 'array',
  removeAdditional: false,
  useDefaults: true,
});

// ajv-formats is CommonJS: its function is the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
addFormats(strict);
addFormats(coercing);

const cache = new WeakMap<object, ValidateFunction>();

/** Fastify's validator compiler: Ajv, strict for bodies, coercing for URLs. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  const key = schema as object;
  let validate = httpPart === 'body' ? cache.get(key) : undefined;
  if (!validate) {
    validate = ajv.compile(schema as object);
    if (httpPart === 'body') cache.set(key, validate);
  }
  const check = validate;
  return (data: unknown) =>
    check(data) ? { value: data } : { error: toValidationError(check.errors ?? [], httpPart) };
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

function toValidationError(errors: ErrorObject[], httpPart: string | undefined): Error {
  return new SchemaValidationError(problemsFromAjv(errors), httpPart ?? 'request');
}

/** Turns Ajv's errors into field problems that name the field a person typed. */
export function problemsFromAjv(errors: readonly ErrorObject[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push({ path, message });
    }
  };
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties':
        push(`${error.instancePath}/${String(params.additionalProperty)}`, 'is not a known field');
        break;
      case 'required':
        push(`${error.instancePath}/${String(params.missingProperty)}`, 'is required');
        break;
      case 'enum':
        push(
          error.instancePath,
          `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
        );
        break;
      case 'const':
        push(error.instancePath, `must be ${JSON.stringify(params.allowedValue)}`);
        break;
      default:
        push(error.instancePath, error.message ?? 'is not valid');
    }
  }
  return collapseUnions(problems);
}

/** `anyOf` over literals reports each branch; merge them into one line. */
function collapseUnions(problems: FieldProblem[]): FieldProblem[] {
  const byPath = new Map<string, FieldProblem[]>();
  for (const p of problems) byPath.set(p.path, [...(byPath.get(p.path) ?? []), p]);
  const out: FieldProblem[] = [];
  for (const [path, list] of byPath) {
    const constants = list.filter(
      (p) => p.message.startsWith('must be "') || p.message.startsWith('must be '),
    );
    const union = list.find((p) => p.message === 'must match a schema in anyOf');
    if (union && constants.length > 0) {
      const allowed = constants.map((p) => p.message.replace(/^must be /, '')).join(', ');
      out.push({ path, message: `must be one of ${allowed}` });
    } else {
      out.push(...list);
    }
  }
  return out;
}

/** How deep a JSON body may nest; configuration and resources need far less. */
export const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value, measured without recursion so no input can overflow the stack. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

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
        if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
          done(
            new CodedanceError('CD_BAD_REQUEST', {
              message: `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`,
              details: { maxDepth: MAX_JSON_DEPTH },
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
