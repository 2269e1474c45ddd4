import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { FieldProblem } from '../errors/index.js';
import { EXPECTED, ajvProblemTranslator, type AjvProblemOptions } from './ajv-problems.js';

function problemsOf(
  schema: object,
  data: unknown,
  options: AjvProblemOptions = {},
): FieldProblem[] {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const validate = ajv.compile(schema);
  if (validate(data)) return [];
  return ajvProblemTranslator(ajv, options)(validate.errors ?? [], data);
}

const closed = { additionalProperties: false } as const;

describe('ajvProblemTranslator', () => {
  it('needs an Ajv instance that keeps the failing schema', () => {
    expect(() => ajvProblemTranslator(new Ajv())).toThrow(/verbose: true/);
  });

  it('names an unknown field at its own path, in the wording asked for', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, ...closed };
    expect(problemsOf(schema, { a: 'x', 'b/c': 1 })).toEqual([
      { path: '/b~1c', message: 'is not a known field' },
    ]);
    expect(problemsOf(schema, { b: 1 }, { unknownField: 'is not a known setting' })).toEqual([
      { path: '/b', message: 'is not a known setting' },
    ]);
  });

  it('tells a record key that breaks the pattern from an unknown field', () => {
    const schema = {
      type: 'object',
      patternProperties: { '^[A-Z_]+$': { type: 'string' } },
      ...closed,
    };
    expect(problemsOf(schema, { GOOD: 'x', bad: 'y' })).toEqual([
      { path: '/bad', message: 'is not a valid name (must match ^[A-Z_]+$)' },
    ]);
  });

  it('reports a missing field at the field, or at the object that lacks it', () => {
    const schema = {
      type: 'object',
      properties: { inner: { type: 'object', required: ['name'] } },
      required: ['inner'],
    };
    expect(problemsOf(schema, { inner: {} })).toEqual([
      { path: '/inner/name', message: 'is required' },
    ]);
    expect(problemsOf(schema, {}, { missingAt: 'object' })).toEqual([
      { path: '', message: "must have required property 'inner'" },
    ]);
  });

  it('lists what an enum allows and says what a constant must be', () => {
    const schema = {
      type: 'object',
      properties: { mode: { enum: ['fast', 'safe'] }, version: { const: 2 } },
    };
    expect(problemsOf(schema, { mode: 'slow', version: 1 })).toEqual([
      { path: '/mode', message: 'must be one of fast, safe' },
      { path: '/version', message: 'must be 2' },
    ]);
  });

  it('reports a failed union of constants once, listing them', () => {
    const schema = {
      type: 'object',
      properties: { mode: { anyOf: [{ const: 'fast' }, { const: 'safe' }] } },
    };
    expect(problemsOf(schema, { mode: 'slow' })).toEqual([
      { path: '/mode', message: 'must be one of "fast", "safe"' },
    ]);
  });

  describe('a union of objects tagged by type', () => {
    const check = {
      anyOf: [
        {
          type: 'object',
          properties: { type: { const: 'http' }, path: { type: 'string', pattern: '^/' } },
          required: ['type', 'path'],
          ...closed,
        },
        {
          type: 'object',
          properties: { type: { const: 'tcp' }, port: { type: 'integer' } },
          required: ['type'],
          ...closed,
        },
      ],
    };
    const schema = { type: 'object', properties: { check } };

    it("reports the chosen branch's own problems, under the union's path", () => {
      expect(problemsOf(schema, { check: { type: 'http', path: 'health', port: 1 } })).toEqual([
        { path: '/check/port', message: 'is not a known field' },
        { path: '/check/path', message: 'must match pattern "^/"' },
      ]);
      expect(problemsOf(schema, { check: { type: 'tcp', port: 'x' } })).toEqual([
        { path: '/check/port', message: 'must be integer' },
      ]);
    });

    it('names the tags when none matches, and asks for an object otherwise', () => {
      expect(problemsOf(schema, { check: { type: 'exec' } })).toEqual([
        { path: '/check/type', message: 'must be one of http, tcp' },
      ]);
      expect(problemsOf(schema, { check: 'http' })).toEqual([
        { path: '/check', message: 'must be object' },
      ]);
    });
  });

  describe('any other union', () => {
    const size = { anyOf: [{ type: 'integer', minimum: 1024 }, { type: 'string' }] };

    it('says what its x-expected names', () => {
      const schema = { type: 'object', properties: { size: { ...size, [EXPECTED]: 'a size' } } };
      expect(problemsOf(schema, { size: 5 })).toEqual([
        { path: '/size', message: 'must be a size' },
      ]);
    });

    it('lets the caller name it by path, over x-expected', () => {
      const schema = { type: 'object', properties: { size: { ...size, [EXPECTED]: 'a size' } } };
      const unionExpectation = (path: string) => (path === '/size' ? 'bytes' : undefined);
      expect(problemsOf(schema, { size: true }, { unionExpectation })).toEqual([
        { path: '/size', message: 'must be bytes' },
      ]);
    });

    it('falls back to a general message', () => {
      expect(problemsOf({ type: 'object', properties: { size } }, { size: 5 })).toEqual([
        { path: '/size', message: 'does not match any allowed form' },
      ]);
    });
  });

  it('reports each problem once', () => {
    const schema = {
      type: 'array',
      items: { type: 'object', properties: { n: { type: 'integer' } } },
      allOf: [{ items: { type: 'object', properties: { n: { type: 'integer' } } } }],
    };
    expect(problemsOf(schema, [{ n: 'x' }])).toEqual([
      { path: '/0/n', message: 'must be integer' },
    ]);
  });
});
