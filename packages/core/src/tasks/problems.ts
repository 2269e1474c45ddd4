import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldProblem } from '../errors/index.js';

/**
 * Schemas may carry `x-expected` to name, for people, what a union accepts
 * (Ajv strict mode is off, so the extra keyword is ignored by validation).
 */
export const EXPECTED = 'x-expected';

type SchemaNode = Record<string, unknown>;

// verbose: the error's parentSchema tells a record's bad key from an unknown field.
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true });
const branchValidators = new WeakMap<object, ValidateFunction>();

/** The outcome of validating untrusted input: the value, or every problem found. */
export type Validated<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/**
 * A validator that checks the shape (filling in defaults) and then what a
 * schema cannot say. `meaning` sees the defaulted copy even when the shape
 * failed, so one answer lists every problem; it must tolerate wrong types.
 */
export function specValidator<T>(
  schema: object,
  meaning: (value: unknown) => FieldProblem[],
): (input: unknown) => Validated<T> {
  const checkShape = schemaChecker<T>(schema);
  return (input) => {
    const shape = checkShape(input);
    const problems = [...(shape.ok ? [] : shape.problems), ...meaning(shape.value)];
    return problems.length === 0 ? { ok: true, value: shape.value as T } : { ok: false, problems };
  };
}

/** The result of checking plain data against a schema. */
export type Checked<T> =
  { ok: true; value: T } | { ok: false; value: unknown; problems: FieldProblem[] };

/**
 * Compiles a schema into a checker that fills in defaults on a copy of the
 * input and turns every Ajv error into a `FieldProblem` with a JSON pointer.
 * The input is never modified.
 */
export function schemaChecker<T>(schema: object): (input: unknown) => Checked<T> {
  const validate = ajv.compile(schema);
  return (input) => {
    let value: unknown;
    try {
      value = structuredClone(input);
    } catch {
      return {
        ok: false,
        value: input,
        problems: [{ path: '', message: 'must be plain JSON data' }],
      };
    }
    if (validate(value)) return { ok: true, value: value as T };
    return { ok: false, value, problems: toProblems(validate.errors ?? [], value) };
  };
}

function toProblems(errors: ErrorObject[], root: unknown): FieldProblem[] {
  const failedUnions = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
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
}

function describe(error: ErrorObject, root: unknown): FieldProblem[] {
  const path = error.instancePath;
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const pattern = Object.keys(parent.patternProperties ?? {})[0];
      const message =
        pattern === undefined
          ? 'is not a known field'
          : `is not a valid name (must match ${pattern})`;
      return [{ path: `${path}/${escapePointer(key)}`, message }];
    }
    case 'required': {
      const key = (error.params as { missingProperty: string }).missingProperty;
      return [{ path: `${path}/${escapePointer(key)}`, message: 'is required' }];
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return [{ path, message: `must be one of ${allowed.map(String).join(', ')}` }];
    }
    case 'anyOf':
      return describeUnion(path, parent, valueAt(root, path));
    default:
      return [{ path, message: error.message ?? 'is not valid' }];
  }
}

/**
 * A union of objects told apart by a `type` constant is reported as the
 * chosen branch's own problems; any other union by its `x-expected` text.
 */
function describeUnion(path: string, schema: SchemaNode, value: unknown): FieldProblem[] {
  const branches = (schema.anyOf ?? []) as SchemaNode[];
  const tags = branches.map(typeTag);
  if (tags.length === 0 || tags.some((t) => t === undefined)) {
    const expected = schema[EXPECTED];
    return [
      {
        path,
        message:
          typeof expected === 'string' ? `must be ${expected}` : 'does not match any allowed form',
      },
    ];
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ path, message: 'must be object' }];
  }
  const tag = (value as SchemaNode).type;
  const index = tags.indexOf(tag as string);
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
  return toProblems(validate.errors ?? [], value).map((p) => ({ ...p, path: `${path}${p.path}` }));
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

/** Prefixes every problem's path, for data nested in a bigger document. */
export function nestProblems(prefix: string, problems: readonly FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({ ...p, path: `${prefix}${p.path}` }));
}

/** `T` after validation filled in the defaults of the fields `K`. */
export type WithDefaults<T, K extends keyof T> = {
  [P in keyof T as P extends K ? never : P]: T[P];
} & { [P in K]-?: Exclude<T[P], undefined> };
