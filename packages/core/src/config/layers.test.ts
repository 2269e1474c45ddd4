import { describe, expect, it } from 'vitest';
import {
  diffConfig,
  liveTokenProblems,
  redactConfig,
  redactUrl,
  resolveConfig,
  validateConfig,
} from './layers.js';
import { defaultConfig } from './schema.js';

const dataDir = '/var/lib/codedance';

describe('resolveConfig', () => {
  it('gives the defaults when nothing is set', () => {
    const { config, problems } = resolveConfig({ dataDir });
    expect(problems).toEqual([]);
    expect(config).toEqual(defaultConfig(dataDir));
    expect(config.store.url).toBe('sqlite:/var/lib/codedance/codedance.db');
  });

  it('ranks flags over environment over file over defaults', () => {
    const { config, sources } = resolveConfig({
      dataDir,
      file: { server: { port: 9000 }, logging: { level: 'DEBUG', maxFiles: 9 } },
      env: { CODEDANCE_PORT: '9100', LOG_LEVEL: 'warn' },
      flags: { server: { port: 9200 } },
    });
    expect(config.server.port).toBe(9200);
    expect(sources.get('/server/port')).toBe('flag:port');
    expect(config.logging.level).toBe('WARNING');
    expect(sources.get('/logging/level')).toBe('env:LOG_LEVEL');
    expect(config.logging.maxFiles).toBe(9);
    expect(sources.get('/logging/maxFiles')).toBe('file');
  });

  it('prefers CODEDANCE_ names over the seed names', () => {
    const { config } = resolveConfig({
      dataDir,
      env: { CODEDANCE_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'DEBUG' },
    });
    expect(config.logging.level).toBe('ERROR');
  });

  it('reads the seed storage variables', () => {
    expect(
      resolveConfig({ dataDir, env: { STORAGE_TYPE: 'json', JSON_FILE: 'tasks.json' } }).config
        .store.url,
    ).toBe('json:/var/lib/codedance/tasks.json');
    expect(
      resolveConfig({
        dataDir,
        env: { STORAGE_TYPE: 'redis', REDIS_URL: 'redis://h:6379/0', REDIS_DB: '3' },
      }).config.store.url,
    ).toBe('redis://h:6379/3');
    const bad = resolveConfig({ dataDir, env: { STORAGE_TYPE: 'mongo' } });
    expect(bad.problems[0]?.path).toBe('/store/url');
    expect(bad.problems[0]?.message).toContain('env:STORAGE_TYPE');
  });

  it('ignores HOST and PORT, which shells set for other things', () => {
    const { config } = resolveConfig({ dataDir, env: { HOST: 'myhostname', PORT: '3000' } });
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(8100);
  });

  it('reports every problem with its path and source', () => {
    const { problems } = resolveConfig({
      dataDir,
      file: {
        server: { port: 70000, colour: 'blue' },
        logging: { level: 'LOUD', maxSize: 'huge' },
      },
      env: { MAX_CONCURRENT_TASKS: 'many' },
    });
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['/server/port']).toMatch(/<=|65535/);
    expect(byPath['/server/colour']).toBe('is not a known setting');
    expect(byPath['/logging/level']).toBe('must be one of DEBUG, INFO, WARNING, ERROR');
    expect(byPath['/logging/maxSize']).toMatch(/byte size/);
    expect(byPath['/tasks/maxConcurrent']).toMatch(/env:MAX_CONCURRENT_TASKS/);
    expect(problems).toHaveLength(5);
  });

  it('refuses a file that is not an object', () => {
    expect(resolveConfig({ dataDir, file: [1, 2] }).problems).toEqual([
      { path: '', message: 'config.json must hold a JSON object' },
    ]);
  });
});

describe('validateConfig', () => {
  it('accepts the defaults', () => {
    expect(validateConfig(defaultConfig('/tmp'))).toEqual([]);
  });
  it('names a missing section', () => {
    const { tasks: _omitted, ...rest } = defaultConfig('/tmp');
    expect(validateConfig(rest).map((p) => p.path)).toContain('');
  });
});

describe('redaction', () => {
  it('hides the admin token and store passwords', () => {
    const config = defaultConfig('/tmp');
    config.server.adminToken = 'a-very-secret-token-value';
    config.store.url = 'postgres://codedance:hunter2@db:5432/codedance';
    const out = redactConfig(config);
    expect(out.server.adminToken).toBe('[redacted]');
    expect(out.store.url).toBe('postgres://codedance:***@db:5432/codedance');
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(config.server.adminToken).toBe('a-very-secret-token-value');
  });
  it('leaves URLs without a password alone', () => {
    expect(redactUrl('redis://127.0.0.1:6379/0')).toBe('redis://127.0.0.1:6379/0');
  });
  it('hides passwords given as query parameters too', () => {
    expect(redactUrl('postgres://h/db?password=hunter2&sslmode=disable')).toBe(
      'postgres://h/db?password=***&sslmode=disable',
    );
    expect(redactUrl('postgres://u:pw@h/db?sslpassword=k&PASSWORD=x')).toBe(
      'postgres://u:***@h/db?sslpassword=***&PASSWORD=***',
    );
    expect(redactUrl('redis://h:6379/0?prefix=cd&token=t')).toBe(
      'redis://h:6379/0?prefix=cd&token=***',
    );
  });
});

describe('liveTokenProblems', () => {
  const config = (host: string, adminToken: string | null) => {
    const c = defaultConfig('/tmp');
    c.server.host = host;
    c.server.adminToken = adminToken;
    return c;
  };
  const token = 'a-long-admin-token-0123456789';
  it('refuses removing or shortening the token while the server listens off loopback', () => {
    const boot = config('0.0.0.0', token);
    expect(liveTokenProblems(boot, boot, config('0.0.0.0', null))).toEqual([
      { path: '/server/adminToken', message: expect.stringContaining('cannot be removed') },
    ]);
    expect(liveTokenProblems(boot, boot, config('0.0.0.0', 'short-but-16-chars'))).toEqual([
      { path: '/server/adminToken', message: expect.stringContaining('shorter') },
    ]);
    expect(liveTokenProblems(boot, boot, config('0.0.0.0', `${token}-rotated`))).toEqual([]);
  });
  it('lets a loopback server drop its configured token (it generates its own)', () => {
    const boot = config('127.0.0.1', token);
    expect(liveTokenProblems(boot, boot, config('127.0.0.1', null))).toEqual([]);
  });
});

describe('diffConfig', () => {
  it('splits changes into live and restart-required', () => {
    const before = defaultConfig('/tmp');
    const after = structuredClone(before);
    after.logging.level = 'DEBUG';
    after.server.port = 9999;
    after.server.corsOrigins = ['http://x'];
    after.monitoring.interval = 3;
    expect(diffConfig(before, after)).toEqual({
      changed: ['/server/port', '/server/corsOrigins', '/logging/level', '/monitoring/interval'],
      // CORS answers read server.corsOrigins per request.
      live: ['/server/corsOrigins', '/logging/level', '/monitoring/interval'],
      restart: ['/server/port'],
    });
  });
});
