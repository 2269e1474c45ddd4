import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import {
  SECRET_MASK,
  keepSecrets,
  maskEnv,
  maskSecrets,
  plainEnv,
  secretValues,
  withKeptSecrets,
} from './env.js';

const env = {
  PLAIN: 'visible',
  API_KEY: { value: 'sk-live-0123456789', secret: true },
  NOT_SECRET: { value: 'shown', secret: false },
};

describe('secret environment values', () => {
  it('gives the process plain strings and every other reader the mask', () => {
    expect(plainEnv(env)).toEqual({
      PLAIN: 'visible',
      API_KEY: 'sk-live-0123456789',
      NOT_SECRET: 'shown',
    });
    expect(maskEnv(env)).toEqual({
      PLAIN: 'visible',
      API_KEY: { value: SECRET_MASK, secret: true },
      NOT_SECRET: { value: 'shown', secret: false },
    });
    expect(JSON.stringify(maskEnv(env))).not.toContain('sk-live');
  });

  it('keeps the stored secret when an update sends its mask back, and refuses a mask with nothing behind it', () => {
    const back = { ...maskEnv(env), PLAIN: 'changed' };
    expect(keepSecrets(back, env, '/env')).toEqual({
      env: { ...env, PLAIN: 'changed' },
      problems: [],
    });
    expect(
      keepSecrets({ NEW: { value: SECRET_MASK, secret: true } }, env, '/env').problems,
    ).toEqual([
      { path: '/env/NEW', message: expect.stringContaining('no secret value is stored') },
    ]);
    expect(() =>
      withKeptSecrets(
        { env: { X: { value: SECRET_MASK, secret: true } } },
        'env',
        undefined,
        'service',
      ),
    ).toThrow(ValidationError);
  });

  it('masks secret values in text, the longer first', () => {
    const secrets = secretValues({
      A: { value: 'abcd', secret: true },
      B: { value: 'abcdefgh', secret: true },
      C: { value: 'x', secret: true },
    });
    expect(secrets).toEqual(['abcdefgh', 'abcd']);
    expect(maskSecrets('key=abcdefgh and abcd, x stays', secrets)).toBe(
      `key=${SECRET_MASK} and ${SECRET_MASK}, x stays`,
    );
  });
});
