import { ValidationError, validateServiceSpec, type ServiceSpec } from '@codedance/core';

/** A checked definition with its defaults; every problem at once as a ValidationError (400). */
export function validateDefinition(input: unknown): ServiceSpec {
  const result = validateServiceSpec(input);
  if (!result.ok) throw new ValidationError(result.problems, 'service');
  return result.value;
}

/**
 * The definition a PUT to `/api/services/<name>` describes: the body may
 * leave the name out, but may not change it.
 */
export function validateReplacement(name: string, input: unknown): ServiceSpec {
  const body = isObject(input) && input.name === undefined ? { ...input, name } : input;
  const spec = validateDefinition(body);
  if (spec.name !== name) {
    throw new ValidationError(
      [{ path: '/name', message: `must be '${name}' (names cannot be changed)` }],
      'service',
    );
  }
  return spec;
}

/** Whether two definitions run the same processes (only the count or `enabled` differ). */
export function sameProcess(a: ServiceSpec, b: ServiceSpec): boolean {
  const strip = ({ instances: _i, enabled: _e, ...rest }: ServiceSpec) => rest;
  return canonical(strip(a)) === canonical(strip(b));
}

/** JSON with object keys sorted, so key order never reads as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
