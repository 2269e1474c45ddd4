import { describe, expect, it } from 'vitest';
import { RouterClient } from './client.js';
import { checkSocketPath, controlSocketPath, SocketPathTooLongError } from './socket-path.js';

describe('control socket paths', () => {
  it('are short and distinct for names that share a long beginning', () => {
    const folder = `/var/lib/${'d'.repeat(60)}`;
    const one = controlSocketPath(folder, `${'n'.repeat(200)}.one`);
    const two = controlSocketPath(folder, `${'n'.repeat(200)}.two`);
    expect(one).not.toBe(two);
    expect(Buffer.byteLength(one)).toBeLessThanOrEqual(107);
    expect(controlSocketPath(folder, `${'n'.repeat(200)}.one`)).toBe(one);
  });

  it('are refused, never cut, when the folder is too long', () => {
    const folder = `/${'f'.repeat(90)}`;
    expect(() => controlSocketPath(folder, 'app')).toThrow(SocketPathTooLongError);
    expect(() => checkSocketPath(`/${'é'.repeat(54)}`)).toThrow(/109 bytes/);
    expect(() => new RouterClient({ path: `/${'s'.repeat(107)}` })).toThrow(SocketPathTooLongError);
    expect(checkSocketPath(`/${'s'.repeat(106)}`)).toHaveLength(107);
  });
});
