import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { FieldProblem } from '../errors/index.js';

/**
 * Schemas may carry `x-expected` to name, for people, what a union accepts
 * (Ajv strict mode is off, so the extra keyword is ignored by validation).
 */
export const EXPECTED = 'x-expected';

type SchemaNode = Record<string, unknown>;

/** What differs between the places that report schema problems. */
export interface AjvProblemOptions {
  /** Said of a field the schema does not allow; `is not a known field` by default. */
  unknownField?: string;
  /**
   * What a failed union at a path accepts, said after "must be ". Wins over
   * the schema's `x-expected`; `undefined` leaves the path to the schema.
   */
  unionExpectation?: (path: string) => string | undefined;
  /**
   * `field` (the default) reports a missing property at its own path as
   * `is required`; `object` reports it at the object that lacks it, in Ajv's words.
   */
  missingAt?: 'field' | 'object';
}

/** Turns one validation's Ajv errors into field problems; `data` is the value validated. */
export type AjvProblemTranslator = (
  errors: readonly ErrorObject[],
  data: unknown,
) => FieldProblem[];

/**
 * Builds the translator from Ajv errors to `FieldProblem`s with JSON-pointer
 * paths. A failed union is one problem, not one per branch: a union of
 * constants lists them, a union of objects tagged by a `type` constant
 * reports the chosen branch's own problems, and any other union says what
 * `options.unionExpectation` or the schema's `x-expected` expects.
 *
 * `ajv` must be built with `verbose: true`: an error's parentSchema tells a
 * record's bad key from an unknown field and gives a union its branches.
 * Tagged-union branches are compiled with the same `ajv`.
 */
export function ajvProblemTranslator(
  ajv: Ajv,
  options: AjvProblemOptions = {},
): AjvProblemTranslator {
  if (ajv.opts.verbose !== true) {
    throw new Error('ajvProblemTranslator needs an Ajv instance built with verbose: true');
  }
  const unknownField = options.unknownField ?? 'is not a known field';
  const branchValidators = new WeakMap<object, ValidateFunction>();

  const translate: AjvProblemTranslator = (errors, root) => {
    const failedUnions = errors.filter(isUnion).map((e) => `${e.schemaPath}/`);
    const problems = errors
      .filter((e) => !failedUnions.some((prefix) => e.schemaPath.startsWith(prefix)))
      .flatMap((e) => describe(e, root));
    const seen = new Set<string>();
    return problems.filter((p) => {
      const key = `${p.path}\u0000${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };

  function describe(error: ErrorObject, root: unknown): FieldProblem[] {
    const path = error.instancePath;
    const parent = (error.parentSchema ?? {}) as SchemaNode;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const pattern = Object.keys(parent.patternProperties ?? {})[0];
        const message =
          pattern === undefined ? unknownField : `is not a valid name (must match ${pattern})`;
        return [{ path: `${path}/${escapePointer(key)}`, message }];
      }
      case 'required':
        return options.missingAt === 'object'
          ? [{ path, message: error.message ?? 'is missing a required field' }]
          : [
              {
                path: `${path}/${escapePointer(String(params.missingProperty))}`,
                message: 'is required',
              },
            ];
      case 'enum':
        return [
          {
            path,
            message: `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
          },
        ];
      case 'const':
        return [{ path, message: `must be ${JSON.stringify(params.allowedValue)}` }];
      case 'anyOf':
      case 'oneOf':
        return describeUnion(path, parent, error.keyword, valueAt(root, path));
      default:
        return [{ path, message: error.message ?? 'is not valid' }];
    }
  }

  function describeUnion(
    path: string,
    schema: SchemaNode,
    keyword: 'anyOf' | 'oneOf',
    value: unknown,
  ): FieldProblem[] {
    const expected = options.unionExpectation?.(path) ?? schema[EXPECTED];
    if (typeof expected === 'string') return [{ path, message: `must be ${expected}` }];
    const branches = (schema[keyword] ?? []) as SchemaNode[];
    if (branches.length > 0 && branches.every((b) => Object.hasOwn(b, 'const'))) {
      const allowed = branches.map((b) => JSON.stringify(b.const)).join(', ');
      return [{ path, message: `must be one of ${allowed}` }];
    }
    const tags = branches.map(typeTag);
    if (tags.length === 0 || tags.some((t) => t === undefined)) {
      return [{ path, message: 'does not match any allowed form' }];
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return [{ path, message: 'must be object' }];
    }
    const index = tags.indexOf((value as SchemaNode).type as string);
    const branch = branches[index];
    if (branch === undefined) {
      return [{ path: `${path}/type`, message: `must be one of ${tags.join(', ')}` }];
    }
    let validate = branchValidators.get(branch);
    if (validate === undefined) {
      validate = ajv.compile(branch);
      branchValidators.set(branch, validate);
    }
    if (validate(value)) return [];
    return translate(validate.errors ?? [], value).map((p) => ({ ...p, path: `${path}${p.path}` }));
  }

  return translate;
}

function isUnion(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' || error.keyword === 'oneOf';
}

function typeTag(branch: SchemaNode): string | undefined {
  const properties = branch.properties as Record<string, SchemaNode> | undefined;
  const tag = properties?.type?.const;
  return typeof tag === 'string' ? tag : undefined;
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as SchemaNode)[key];
  }
  return node;
}
