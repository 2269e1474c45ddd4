import { ERROR_CATALOGUE } from '@codedance/core';
import { ROUTER_ERRORS } from '@codedance/router';
import { describe, expect, it } from 'vitest';

describe('the router error codes', () => {
  it('are codes of the catalogue, with its status and message', () => {
    for (const [code, entry] of Object.entries(ROUTER_ERRORS)) {
      expect(ERROR_CATALOGUE, code).toHaveProperty(code);
      expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE], code).toEqual(entry);
    }
  });
});
