import { describe, expect, it } from 'vitest';
import { resolveConfig } from './layers.js';
import { defaultConfig } from './schema.js';

/** The problems `config.json` holding `file` would have, on its own. */
function problems(file: Record<string, unknown>): { path: string; message: string }[] {
  return resolveConfig({ dataDir: '/srv/codedance', file }).problems;
}

describe('values that pass the schema but could never work', () => {
  it('accepts the defaults and ordinary values', () => {
    expect(problems({})).toEqual([]);
    expect(
      problems({
        server: { host: '::', corsOrigins: ['*', 'https://ops.example.com:8443'] },
        store: { url: 'postgres://codedance:secret@db.internal:5432/codedance' },
        logging: { file: 'server/codedance.log', maxSize: '1GB' },
      }),
    ).toEqual([]);
    expect(problems({ server: { host: '[fe80::1%eth0]' } })).toEqual([]);
    expect(problems({ logging: { file: '/var/log/codedance.log' } })).toEqual([]);
    expect(defaultConfig('/d').websocket).toMatchObject({
      maxConnections: 1000,
      maxConnectionsPerAddress: 64,
    });
  });

  it('refuses a NUL byte or a newline in any string, naming the path', () => {
    expect(problems({ logging: { file: 'a\u0000b.log' } })).toEqual([
      {
        path: '/logging/file',
        message: 'must not contain control characters (such as a NUL byte or a newline)',
      },
    ]);
    expect(problems({ tasks: { jobsDirectory: '/srv/jobs\n' } })[0]?.path).toBe(
      '/tasks/jobsDirectory',
    );
    expect(problems({ store: { url: 'sqlite:/tmp/a\u0000.db' } })[0]?.path).toBe('/store/url');
  });

  it('refuses a log file that climbs out of the log folder or takes a workload log name', () => {
    expect(problems({ logging: { file: '../../etc/cron.d/x' } })).toEqual([
      {
        path: '/logging/file',
        message: 'must stay inside the log folder (no ".." in a relative path)',
      },
    ]);
    expect(problems({ logging: { file: 'workloads.jsonl' } })[0]?.message).toMatch(
      /workload logs use that name/,
    );
    expect(problems({ logging: { file: 'services/x.log' } })[0]?.path).toBe('/logging/file');
    expect(problems({ logging: { file: 'logs/' } })[0]?.message).toBe(
      'must name a file, not a folder',
    );
  });

  it('refuses absurd log sizes in either spelling', () => {
    for (const maxSize of ['0B', '512', '0.5KB', '9999TB', '2TB', 2 ** 41]) {
      expect(problems({ logging: { maxSize } }), String(maxSize)).toEqual([
        { path: '/logging/maxSize', message: 'must be between 1KB and 1TB' },
      ]);
    }
  });

  it('refuses timeouts past what a timer can hold and intervals past a year', () => {
    expect(problems({ tasks: { timeout: 999_999_999_999 } })).toEqual([
      { path: '/tasks/timeout', message: 'must be <= 2147483' },
    ]);
    expect(problems({ tasks: { defaultInterval: 10 ** 9 } })[0]?.path).toBe(
      '/tasks/defaultInterval',
    );
  });

  it('refuses hosts, tokens, origins and store URLs nothing could use', () => {
    expect(problems({ server: { host: 'two words' } })).toEqual([
      { path: '/server/host', message: 'must be a host name or an IP address' },
    ]);
    expect(problems({ server: { adminToken: 'sixteen chars with spaces' } })[0]?.path).toBe(
      '/server/adminToken',
    );
    expect(problems({ server: { corsOrigins: ['https://x.example/path'] } })[0]?.path).toBe(
      '/server/corsOrigins/0',
    );
    expect(problems({ store: { url: 'postgres://[nope' } })).toEqual([
      { path: '/store/url', message: 'is not a valid URL' },
    ]);
    expect(problems({ store: { url: 'sqlite:' } })[0]?.message).toBe(
      'must name a file after "sqlite:"',
    );
  });
});
