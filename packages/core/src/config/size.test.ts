import { describe, expect, it } from 'vitest';
import { formatByteSize, parseByteSize } from './size.js';

describe('parseByteSize', () => {
  it.each([
    ['10MB', 10 * 1024 * 1024],
    ['512 KiB', 512 * 1024],
    ['1.5G', 1.5 * 1024 ** 3],
    ['4096', 4096],
    [2048, 2048],
    [' 7b ', 7],
  ])('reads %j', (input, bytes) => {
    expect(parseByteSize(input)).toBe(bytes);
  });

  it.each(['', 'ten MB', '10XB', '-5MB', '1e9', -1, 1.5])('refuses %j', (input) => {
    expect(parseByteSize(input)).toBeNull();
  });
});

describe('formatByteSize', () => {
  it('picks the largest unit below 1024', () => {
    expect(formatByteSize(512)).toBe('512 B');
    expect(formatByteSize(10 * 1024 * 1024)).toBe('10.0 MB');
    expect(formatByteSize(3.5 * 1024 ** 3)).toBe('3.5 GB');
  });
});
