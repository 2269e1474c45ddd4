import { describe, expect, it } from 'vitest';
import { parseGroupIds, readGroupIds } from './group.js';

describe('parseGroupIds', () => {
  it('counts fields from the last parenthesis, whatever the name holds', () => {
    const text = '4242 (a) b (c) 1 2) S 1 4240 4239 0 -1 4194560 0 0 0 0 5 6 0 0 20 0 1 0 99 0 7\n';
    expect(parseGroupIds(text)).toEqual({ pgrp: 4240, session: 4239, state: 'S' });
  });

  it('is null for text that is not a stat line', () => {
    expect(parseGroupIds('')).toBeNull();
    expect(parseGroupIds('12 (x) R one two three')).toBeNull();
  });

  it('reads this process', async () => {
    expect(await readGroupIds(process.pid)).toMatchObject({ state: expect.any(String) });
  });
});
