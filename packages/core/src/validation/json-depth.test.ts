import { describe, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH, jsonDepth, parseBoundedJson } from './json-depth.js';

describe('jsonDepth', () => {
  it('counts nested objects and arrays; a scalar is 0', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth(null)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
  });

  it('measures 100,000 levels without recursion, and stops early past a limit', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(jsonDepth(deep)).toBe(100_000);
    expect(jsonDepth(deep, 10)).toBe(11);
  });
});

describe('parseBoundedJson', () => {
  it('returns the value of JSON within the depth limit', () => {
    const text = `${'['.repeat(MAX_INPUT_DEPTH)}${']'.repeat(MAX_INPUT_DEPTH)}`;
    expect(parseBoundedJson(text)).toMatchObject({ ok: true });
  });

  it('says why it refuses broken or too deep text', () => {
    expect(parseBoundedJson('{"a": ')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^is not valid JSON: /) as string,
    });
    const text = `${'{"a":'.repeat(MAX_INPUT_DEPTH + 1)}1${'}'.repeat(MAX_INPUT_DEPTH + 1)}`;
    expect(parseBoundedJson(text)).toEqual({
      ok: false,
      problem: `nests deeper than ${MAX_INPUT_DEPTH} levels`,
    });
  });
});
