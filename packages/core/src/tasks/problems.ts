import { Ajv } from 'ajv';
import type { FieldProblem } from '../errors/index.js';
import { ajvProblemTranslator } from '../validation/index.js';

// verbose: the translator reads each error's parentSchema.
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true });
const toProblems = ajvProblemTranslator(ajv);

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

/** Prefixes every problem's path, for data nested in a bigger document. */
export function nestProblems(prefix: string, problems: readonly FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({ ...p, path: `${prefix}${p.path}` }));
}

/** `T` after validation filled in the defaults of the fields `K`. */
export type WithDefaults<T, K extends keyof T> = {
  [P in keyof T as P extends K ? never : P]: T[P];
} & { [P in K]-?: Exclude<T[P], undefined> };
