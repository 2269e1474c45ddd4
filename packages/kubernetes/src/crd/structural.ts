/**
 * A TypeBox (JSON Schema 2020-12) schema turned into the OpenAPI v3 subset a CustomResource
 * Definition accepts: a structural schema, in which every node has a type, `properties` never
 * sits beside `additionalProperties`, and `anyOf`/`oneOf`/`allOf`/`not` only add value checks.
 *
 * The conversion is strict: a keyword it does not know, or a union it cannot express, throws,
 * so a schema change that the API server would refuse (or silently drop) is caught when the CRD
 * is generated, not when it is applied.
 */
import type { V1JSONSchemaProps } from '@kubernetes/client-node';

type Json = Record<string, unknown>;

/** Keywords copied as they are. */
const VALUE_KEYWORDS = new Set([
  'type',
  'format',
  'description',
  'default',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'required',
  'nullable',
]);

/** Keywords that hold schemas, converted in turn. */
const NESTED_KEYWORDS = new Set([
  'properties',
  'items',
  'additionalProperties',
  'patternProperties',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'const',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);

export class NotStructuralError extends Error {
  constructor(path: string, problem: string) {
    super(`${path || '(root)'}: ${problem}`);
    this.name = 'NotStructuralError';
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeOfValue(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'object';
}

/** A union of constants (`Type.Union([Type.Literal('a'), …])`) is an enum. */
function literalUnion(members: unknown[]): Json | null {
  const values: unknown[] = [];
  let type: string | null = null;
  for (const member of members) {
    if (!isObject(member) || !('const' in member)) return null;
    const memberType = typeof member.type === 'string' ? member.type : typeOfValue(member.const);
    if (type !== null && type !== memberType) return null;
    type = memberType;
    values.push(member.const);
  }
  return type === null ? null : { type, enum: values };
}

/** Only value checks may sit inside anyOf and friends: no type, no description, no default. */
function valueOnly(schema: unknown, path: string): Json {
  if (!isObject(schema)) throw new NotStructuralError(path, 'expected a schema object');
  for (const key of Object.keys(schema)) {
    if (['type', 'description', 'default', 'additionalProperties', 'nullable'].includes(key)) {
      throw new NotStructuralError(path, `"${key}" is not allowed inside a logical junctor`);
    }
  }
  return convert(schema, path, true);
}

function convert(schema: Json, path: string, valueChecksOnly = false): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) {
      out[key] = value;
    } else if (VALUE_KEYWORDS.has(key)) {
      out[key] = value;
    } else if (!NESTED_KEYWORDS.has(key)) {
      throw new NotStructuralError(path, `the keyword "${key}" has no place in a CRD schema`);
    }
  }
  if ('const' in schema) out.enum = [schema.const];
  // JSON Schema's numeric exclusive bounds are OpenAPI v3.0's boolean flags beside a bound.
  if (typeof schema.exclusiveMinimum === 'number') {
    out.minimum = schema.exclusiveMinimum;
    out.exclusiveMinimum = true;
  }
  if (typeof schema.exclusiveMaximum === 'number') {
    out.maximum = schema.exclusiveMaximum;
    out.exclusiveMaximum = true;
  }
  if (Array.isArray(schema.enum) && out.type === undefined) {
    const types = new Set(schema.enum.map(typeOfValue));
    if (types.size !== 1) throw new NotStructuralError(path, 'an enum mixes types');
    out.type = [...types][0];
  }
  if (isObject(schema.properties)) {
    const properties: Json = {};
    for (const [name, child] of Object.entries(schema.properties)) {
      if (!isObject(child)) throw new NotStructuralError(`${path}.${name}`, 'expected a schema');
      properties[name] = convert(child, `${path}.${name}`);
    }
    // `Type.Object({})` (any object, such as metadata) has nothing to list.
    if (Object.keys(properties).length > 0) out.properties = properties;
  }
  if (isObject(schema.items)) out.items = convert(schema.items, `${path}[]`);
  if (isObject(schema.additionalProperties)) {
    if (out.properties !== undefined) {
      throw new NotStructuralError(path, 'properties and additionalProperties exclude each other');
    }
    out.additionalProperties = convert(schema.additionalProperties, `${path}.*`);
  }
  // `additionalProperties: false` is what pruning does anyway: unknown fields are dropped.
  if (isObject(schema.patternProperties)) {
    const patterns = Object.entries(schema.patternProperties);
    const [pattern, child] = patterns[0] ?? [];
    if (patterns.length !== 1 || pattern !== '^.*$' || !isObject(child)) {
      throw new NotStructuralError(path, 'only a record of any key (Type.Record) can be expressed');
    }
    out.additionalProperties = convert(child, `${path}.*`);
  }
  for (const junctor of ['anyOf', 'oneOf', 'allOf'] as const) {
    const members = schema[junctor];
    if (!Array.isArray(members)) continue;
    const literals = junctor === 'anyOf' ? literalUnion(members) : null;
    if (literals !== null && out.type === undefined) {
      Object.assign(out, literals);
      continue;
    }
    out[junctor] = members.map((member, i) => valueOnly(member, `${path}.${junctor}[${i}]`));
  }
  if (schema.not !== undefined) out.not = valueOnly(schema.not, `${path}.not`);
  const preserves =
    out['x-kubernetes-preserve-unknown-fields'] === true ||
    out['x-kubernetes-int-or-string'] === true;
  if (out.type === undefined && !preserves && !valueChecksOnly) {
    throw new NotStructuralError(path, 'every node of a structural schema needs a type');
  }
  // The type first, as people write a schema by hand.
  return out.type === undefined ? out : { type: out.type, ...out };
}

/**
 * The structural OpenAPI v3 schema of a TypeBox schema; throws `NotStructuralError` naming the
 * field when the schema cannot be one.
 */
export function structuralSchema(schema: object): V1JSONSchemaProps {
  // TypeBox marks optional fields and kinds with symbols; the wire form is plain JSON.
  const plain = JSON.parse(JSON.stringify(schema)) as Json;
  return convert(plain, '');
}
