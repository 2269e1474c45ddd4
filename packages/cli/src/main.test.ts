import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes.js';
import { ApiError } from './client.js';
import { UsageError, exitCodeFor } from './failure.js';
import { main } from './main.js';
import { closedPort } from './test-support/cli.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'codedance', ...args], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe('exitCodeFor', () => {
  it('maps each kind of failure to its documented code', () => {
    expect(exitCodeFor(new UsageError('bad'))).toBe(2);
    expect(
      exitCodeFor(
        new ApiError(0, 'CD_UNREACHABLE', 'cannot reach Codedance at http://x: connection refused'),
      ),
    ).toBe(3);
    expect(exitCodeFor(new ApiError(400, 'CD_VALIDATION_FAILED', 'bad'))).toBe(1);
    expect(exitCodeFor(new Error('bug'))).toBe(1);
  });

  it('publishes the codes as a constant object', () => {
    expect(EXIT_CODES).toEqual({
      SUCCESS: 0,
      FAILURE: 1,
      USAGE: 2,
      UNREACHABLE: 3,
      RELEASE_FAILED: 4,
      INTERRUPTED: 130,
      CONFIG: 78,
    });
  });
});

describe('main', () => {
  it('prints help with the exit codes and returns 0', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Exit codes:');
    expect(stdout).toMatch(/78\s+codedance server refused/);
  });

  it('shows examples in the help of every command', async () => {
    for (const command of [
      ['server'],
      ['status'],
      ['config'],
      ['config', 'get'],
      ['config', 'validate'],
      ['doctor'],
    ]) {
      const { code, stdout } = await run(...command, '--help');
      expect(code, command.join(' ')).toBe(0);
      expect(stdout, command.join(' ')).toContain('Examples:');
    }
  });

  it('returns 0 for --version', async () => {
    const { code, stdout } = await run('--version');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['bogus']],
    [['status', '--bogus']],
    [['server', '--port', 'http']],
    [['server', '--port', '70000']],
    [['--timeout', '0', 'status']],
    [[]],
  ])('returns 2 for the usage error %j', async (args) => {
    expect((await run(...args)).code).toBe(2);
  });

  it('returns 2 for a URL it cannot use', async () => {
    const { code, stderr } = await run('status', '--url', 'ftp://example.com');
    expect(code).toBe(2);
    expect(stderr).toContain('--url must be an http:// or https:// URL');
  });

  it('returns 3 with a hint when the server cannot be reached', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await run('status', '--url', url);
    expect(code).toBe(3);
    expect(stderr).toContain(`cannot reach Codedance at ${url}: connection refused (ECONNREFUSED)`);
    expect(stderr).toContain('codedance server');
  });

  it('prints the error as JSON on stdout with --json', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stdout } = await run('--json', 'status', '--url', url);
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({
      error: { code: 'CD_UNREACHABLE', details: { url } },
    });
  });

  it('returns 2 for a config path that cannot be a setting', async () => {
    expect((await run('config', 'get', 'logging..level')).code).toBe(2);
  });
});
