import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../packages/cli/src/test-support/cli.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * Values of the right type that could never work are refused where they
 * are given: `PUT /api/settings/config` answers 422 and leaves config.json
 * alone, `validate-config` reports them, and `codedance server` exits 78
 * with the path and no stack trace, instead of crashing at the next start.
 */

let tmp: string;
/** A plain file where a folder is expected, and a folder where a file is. */
let aFile: string;
let aFolder: string;

interface Refusal {
  name: string;
  patch: () => Record<string, unknown>;
  path: string;
  message: RegExp;
}

const refusals: Refusal[] = [
  {
    name: 'a NUL byte in the log file name',
    patch: () => ({ logging: { file: 'code\u0000dance.log' } }),
    path: '/logging/file',
    message: /control characters/,
  },
  {
    name: 'a log file that climbs out of the log folder',
    patch: () => ({ logging: { file: '../../escaped.log' } }),
    path: '/logging/file',
    message: /inside the log folder/,
  },
  {
    name: 'a log file named like the workload journal',
    patch: () => ({ logging: { file: 'workloads.jsonl' } }),
    path: '/logging/file',
    message: /workload logs use that name/,
  },
  {
    name: 'a log folder that is a file',
    patch: () => ({ logging: { dir: aFile } }),
    path: '/logging/dir',
    message: /is a file, not a folder/,
  },
  {
    name: 'a SQLite store that is a folder',
    patch: () => ({ store: { url: `sqlite:${aFolder}` } }),
    path: '/store/url',
    message: /not a file/,
  },
  {
    name: 'a SQLite store inside a file',
    patch: () => ({ store: { url: `sqlite:${aFile}/codedance.db` } }),
    path: '/store/url',
    message: /is a file, not a folder/,
  },
  {
    name: 'a jobs folder that is a file',
    patch: () => ({ tasks: { jobsDirectory: aFile } }),
    path: '/tasks/jobsDirectory',
    message: /is a file, not a folder/,
  },
  {
    name: 'a port out of range',
    patch: () => ({ server: { port: 70000 } }),
    path: '/server/port',
    message: /<= 65535/,
  },
  {
    name: 'a host with a space',
    patch: () => ({ server: { host: 'local host' } }),
    path: '/server/host',
    message: /host name or an IP address/,
  },
  {
    name: 'a store URL that does not parse',
    patch: () => ({ store: { url: 'postgres://[::1' } }),
    path: '/store/url',
    message: /not a valid URL/,
  },
  {
    name: 'a log size of 9999 TB',
    patch: () => ({ logging: { maxSize: '9999TB' } }),
    path: '/logging/maxSize',
    message: /between 1KB and 1TB/,
  },
  {
    name: 'a log size below a kilobyte, written as text',
    patch: () => ({ logging: { maxSize: '0.5KB' } }),
    path: '/logging/maxSize',
    message: /between 1KB and 1TB/,
  },
  {
    name: 'a task timeout a timer cannot hold',
    patch: () => ({ tasks: { timeout: 999_999_999_999 } }),
    path: '/tasks/timeout',
    message: /<= 2147483/,
  },
  {
    name: 'a WebSocket send buffer of a terabyte',
    patch: () => ({ websocket: { maxBufferedBytes: 1024 ** 4 } }),
    path: '/websocket/maxBufferedBytes',
    message: /<=/,
  },
];

const STACK_LINE = /at .*\.(ts|js):\d+/;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'codedance-config-refusals-'));
  aFile = join(tmp, 'a-file');
  aFolder = join(tmp, 'a-folder');
  await writeFile(aFile, 'not a folder\n');
  await mkdir(aFolder);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('through the API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  const send = (path: string, method: string, body: unknown) =>
    server.json<{
      valid?: boolean;
      problems?: { path: string; message: string }[];
      error?: { code: string; details: { problems: { path: string; message: string }[] } };
    }>(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  for (const refusal of refusals) {
    it(`refuses ${refusal.name}`, async () => {
      const file = join(server.dataDir, 'config.json');
      const before = await readFile(file, 'utf8').catch(() => '<none>');

      const checked = await send('/api/settings/validate-config', 'POST', refusal.patch());
      expect(checked.status).toBe(200);
      expect(checked.body.valid).toBe(false);
      expect(checked.body.problems).toContainEqual({
        path: refusal.path,
        message: expect.stringMatching(refusal.message) as string,
      });

      const put = await send('/api/settings/config', 'PUT', refusal.patch());
      expect(put.status).toBe(422);
      expect(put.body.error?.code).toBe('CD_INVALID_CONFIG');
      expect(put.body.error?.details.problems.map((p) => p.path)).toContain(refusal.path);
      expect(JSON.stringify(put.body)).not.toMatch(STACK_LINE);
      expect(await readFile(file, 'utf8').catch(() => '<none>')).toBe(before);
    });
  }

  it('still answers and runs on its old configuration afterwards', async () => {
    expect((await server.get('/health')).status).toBe(200);
  });
});

describe('at start: codedance server exits 78', () => {
  /** Runs `codedance server` on a data folder whose config.json is `config`. */
  async function start(name: string, config: Record<string, unknown>, portFlag = true) {
    const dataDir = join(tmp, name.replace(/\W+/g, '-'));
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'config.json'), JSON.stringify(config));
    return runCli(['server', ...(portFlag ? ['--port', '0'] : []), '--data', dataDir]);
  }

  // In parallel: each is a process start of a second or so.
  it.concurrent.each(refusals)('on $name', async (refusal) => {
    // The port case gives no --port flag, which would override config.json.
    const { code, stderr, stdout } = await start(
      refusal.name,
      refusal.patch(),
      refusal.path !== '/server/port',
    );
    expect(code, stderr).toBe(78);
    expect(stdout).not.toContain('listening');
    expect(stderr).toContain('(CD_INVALID_CONFIG)');
    expect(stderr).toContain(refusal.path);
    expect(stderr).toMatch(refusal.message);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('on a data folder that is a file', async () => {
    const { code, stderr } = await runCli(['server', '--port', '0', '--data', aFile]);
    expect(code).toBe(78);
    expect(stderr).toContain('The data folder is a file, not a folder');
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('on a config.json nested 10,000 levels deep or larger than a megabyte', async () => {
    for (const [name, text] of [
      ['deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
      ['huge', JSON.stringify({ logging: { file: 'x'.repeat(2 * 1024 * 1024) } })],
    ] as const) {
      const dataDir = join(tmp, `file-${name}`);
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, 'config.json'), text);
      const { code, stderr } = await runCli(['server', '--port', '0', '--data', dataDir]);
      expect(code, stderr).toBe(78);
      expect(stderr).toMatch(name === 'deep' ? /nests deeper than 32 levels/ : /larger than/);
      expect(stderr).not.toMatch(STACK_LINE);
    }
  });
});
