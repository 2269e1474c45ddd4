import { describe, expect, it } from 'vitest';
import { formatValue, leaves, lookup, toDotted, toPointer } from './config-path.js';

describe('toPointer', () => {
  it.each([
    ['logging.level', '/logging/level'],
    ['/logging/level', '/logging/level'],
    ['/logging/level/', '/logging/level'],
    ['logging', '/logging'],
    ['', ''],
    ['/', ''],
    ['server.corsOrigins.0', '/server/corsOrigins/0'],
  ])('%j → %j', (input, pointer) => {
    expect(toPointer(input)).toBe(pointer);
  });

  it('refuses empty segments', () => {
    expect(toPointer('logging..level')).toBeNull();
    expect(toPointer('.logging')).toBeNull();
  });

  it('round-trips with toDotted', () => {
    expect(toDotted('/logging/level')).toBe('logging.level');
  });
});

describe('lookup', () => {
  const config = { logging: { level: 'INFO', file: null }, server: { corsOrigins: ['a', 'b'] } };

  it('finds leaves, sections and array items', () => {
    expect(lookup(config, '/logging/level')).toEqual({ found: true, value: 'INFO' });
    expect(lookup(config, '/logging')).toEqual({ found: true, value: config.logging });
    expect(lookup(config, '/server/corsOrigins/1')).toEqual({ found: true, value: 'b' });
    expect(lookup(config, '')).toEqual({ found: true, value: config });
  });

  it('tells a null value from a missing one', () => {
    expect(lookup(config, '/logging/file')).toEqual({ found: true, value: null });
    expect(lookup(config, '/logging/nope')).toEqual({ found: false });
    expect(lookup(config, '/server/corsOrigins/5')).toEqual({ found: false });
    expect(lookup(config, '/logging/level/deeper')).toEqual({ found: false });
  });

  it('does not walk into inherited properties', () => {
    expect(lookup(config, '/logging/toString')).toEqual({ found: false });
  });
});

describe('leaves', () => {
  it('lists leaf pointers; arrays are leaves', () => {
    expect(leaves({ a: { b: 1, c: [1, 2] }, d: 'x' })).toEqual([
      ['/a/b', 1],
      ['/a/c', [1, 2]],
      ['/d', 'x'],
    ]);
    expect(leaves('INFO', '/logging/level')).toEqual([['/logging/level', 'INFO']]);
  });
});

describe('formatValue', () => {
  it('shows strings bare and the rest as JSON', () => {
    expect(formatValue('INFO')).toBe('INFO');
    expect(formatValue('')).toBe('""');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(['a'])).toBe('["a"]');
    expect(formatValue(8100)).toBe('8100');
  });
});
