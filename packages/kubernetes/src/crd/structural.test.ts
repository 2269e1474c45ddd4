import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { NotStructuralError, structuralSchema } from './structural.js';

describe('structuralSchema', () => {
  it('writes enums, unions of constants and constants as typed enums', () => {
    const schema = structuralSchema(
      Type.Object({
        colour: Type.Enum(['red', 'green']),
        size: Type.Union([Type.Literal('s'), Type.Literal('m')]),
        kind: Type.Literal('Shop'),
      }),
    );
    expect(schema.properties?.colour).toEqual({ type: 'string', enum: ['red', 'green'] });
    expect(schema.properties?.size).toEqual({ type: 'string', enum: ['s', 'm'] });
    expect(schema.properties?.kind).toEqual({ type: 'string', enum: ['Shop'] });
  });

  it("turns JSON Schema's numeric exclusive bounds into OpenAPI v3.0's flags", () => {
    const schema = structuralSchema(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }));
    expect(schema).toEqual({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 1,
      exclusiveMaximum: true,
    });
  });

  it('leaves out additionalProperties: false, and writes a record as additionalProperties', () => {
    const schema = structuralSchema(
      Type.Object(
        { labels: Type.Record(Type.String(), Type.String()) },
        { additionalProperties: false },
      ),
    );
    expect(schema.additionalProperties).toBeUndefined();
    expect(schema.properties?.labels).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
  });

  it('keeps required-only alternatives, which structural schemas allow', () => {
    const schema = structuralSchema(
      Type.Object(
        { url: Type.Optional(Type.String()), command: Type.Optional(Type.String()) },
        { anyOf: [{ required: ['url'] }, { required: ['command'] }] },
      ),
    );
    expect(schema.anyOf).toEqual([{ required: ['url'] }, { required: ['command'] }]);
  });

  it('refuses a union of types, naming the field', () => {
    expect(() =>
      structuralSchema(
        Type.Object({ spec: Type.Object({ pause: Type.Union([Type.String(), Type.Number()]) }) }),
      ),
    ).toThrow(
      new NotStructuralError(
        '.spec.pause.anyOf[0]',
        '"type" is not allowed inside a logical junctor',
      ),
    );
  });

  it('refuses a keyword a CRD has no place for, naming the field', () => {
    expect(() => structuralSchema(Type.Object({ a: Type.String({ $id: 'A' }) }))).toThrow(
      /\.a: the keyword "\$id" has no place in a CRD schema/,
    );
  });

  it('refuses a node without a type', () => {
    expect(() => structuralSchema(Type.Object({ a: Type.Unknown() }))).toThrow(
      /\.a: every node of a structural schema needs a type/,
    );
  });
});
