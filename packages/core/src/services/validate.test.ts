import { describe, expect, it } from 'vitest';
import type { ServiceSpec } from './schema.js';
import { acceptsStatus, instanceEnv, maxMemoryBytes, validateServiceSpec } from './validate.js';

function problemsOf(input: unknown) {
  const result = validateServiceSpec(input);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

const minimal = { name: 'api', command: 'node' };

describe('validateServiceSpec', () => {
  it('fills in every default, nested ones included', () => {
    const expected: ServiceSpec = {
      name: 'api',
      command: 'node',
      args: [],
      env: {},
      shell: false,
      instances: 1,
      restart: 'always',
      backoff: {
        initial_ms: 100,
        max_ms: 30_000,
        multiplier: 2,
        jitter: 0.2,
        reset_after_ms: 30_000,
      },
      crashloop: { max_restarts: 5, window_ms: 60_000 },
      readiness_timeout_ms: 30_000,
      stop_timeout_ms: 5000,
      stop_signal: 'SIGTERM',
      enabled: true,
    };
    expect(validateServiceSpec(minimal)).toEqual({ ok: true, value: expected });
  });

  it('keeps what is given and completes a partial backoff', () => {
    const result = validateServiceSpec({
      ...minimal,
      args: ['server.js'],
      port: 3000,
      instances: 4,
      backoff: { initial_ms: 500 },
      readiness: { type: 'http', path: '/health', expect_status: '200-299' },
      max_memory: '200MB',
      stop_signal: 'SIGINT',
    });
    expect(result.ok && result.value.backoff).toEqual({
      initial_ms: 500,
      max_ms: 30_000,
      multiplier: 2,
      jitter: 0.2,
      reset_after_ms: 30_000,
    });
    expect(result.ok && result.value.readiness).toEqual({
      type: 'http',
      path: '/health',
      expect_status: '200-299',
    });
  });

  it.each([
    { type: 'tcp' },
    { type: 'log', pattern: 'listening on \\d+' },
    { type: 'uptime', seconds: 5 },
    { type: 'http', path: '/', port: 9000, expect_status: 204 },
  ])('accepts readiness %j', (readiness) => {
    expect(validateServiceSpec({ ...minimal, port: 8080, readiness }).ok).toBe(true);
  });

  it('reports every shape problem with its path', () => {
    expect(
      problemsOf({
        name: 'my service',
        command: 'node',
        instances: 65,
        port: 0,
        restart: 'sometimes',
        backoff: { multiplier: 0.5, extra: 1 },
        crashloop: { max_restarts: 0 },
        max_memory: true,
        stop_signal: 'SIGKILL',
        watch: true,
      }),
    ).toEqual([
      { path: '/watch', message: 'is not a known field' },
      { path: '/name', message: 'must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"' },
      { path: '/instances', message: 'must be <= 64' },
      { path: '/port', message: 'must be >= 1' },
      { path: '/restart', message: 'must be one of always, on-failure, never' },
      { path: '/backoff/extra', message: 'is not a known field' },
      { path: '/backoff/multiplier', message: 'must be >= 1' },
      { path: '/crashloop/max_restarts', message: 'must be >= 1' },
      { path: '/max_memory', message: 'must be a byte size such as 200MB or a number of bytes' },
      {
        path: '/stop_signal',
        message: 'must be one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2',
      },
    ]);
  });

  it('reports a readiness problem inside the chosen kind of check', () => {
    expect(
      problemsOf({ ...minimal, port: 80, readiness: { type: 'http', path: 'health' } }),
    ).toEqual([{ path: '/readiness/path', message: 'must match pattern "^/"' }]);
    expect(problemsOf({ ...minimal, readiness: { type: 'uptime' } })).toEqual([
      { path: '/readiness/seconds', message: 'is required' },
    ]);
    expect(problemsOf({ ...minimal, readiness: { type: 'exec' } })).toEqual([
      { path: '/readiness/type', message: 'must be one of http, tcp, log, uptime' },
    ]);
    expect(problemsOf({ ...minimal, readiness: 'http' })).toEqual([
      { path: '/readiness', message: 'must be object' },
    ]);
    expect(
      problemsOf({
        ...minimal,
        port: 80,
        readiness: { type: 'http', path: '/', expect_status: 'ok' },
      }),
    ).toEqual([
      {
        path: '/readiness/expect_status',
        message: 'must be a status code such as 200 or a range such as "200-399"',
      },
    ]);
  });

  it('checks what the schema cannot', () => {
    expect(problemsOf({ ...minimal, max_memory: '200 potatoes' })).toEqual([
      { path: '/max_memory', message: 'must be a byte size such as 200MB or 1.5G' },
    ]);
    expect(problemsOf({ ...minimal, port: 65_535, instances: 2 })).toEqual([
      { path: '/port', message: 'leaves no room for 2 instances below 65535' },
    ]);
    expect(problemsOf({ ...minimal, backoff: { initial_ms: 5000, max_ms: 1000 } })).toEqual([
      { path: '/backoff/max_ms', message: 'must be at least initial_ms' },
    ]);
    expect(problemsOf({ ...minimal, readiness: { type: 'tcp' } })).toEqual([
      { path: '/readiness/port', message: 'is required when the service has no port' },
    ]);
    const [regex] = problemsOf({ ...minimal, readiness: { type: 'log', pattern: 'ready (' } });
    expect(regex?.path).toBe('/readiness/pattern');
    expect(regex?.message).toMatch(/^is not a valid regular expression: /);
  });
});

describe('instanceEnv', () => {
  it('gives each instance its port and number', () => {
    const spec = { name: 'api', env: { NODE_ENV: 'production', PORT: '1' }, port: 3000 };
    expect(instanceEnv(spec, 2)).toEqual({
      NODE_ENV: 'production',
      PORT: '3002',
      CODEDANCE_SERVICE: 'api',
      CODEDANCE_INSTANCE: '2',
      NODE_APP_INSTANCE: '2',
    });
  });

  it("leaves the service's own PORT alone when it has no port", () => {
    expect(instanceEnv({ name: 'w', env: { PORT: '7000' } }, 0).PORT).toBe('7000');
    expect(instanceEnv({ name: 'w', env: {} }, 0)).not.toHaveProperty('PORT');
  });
});

describe('maxMemoryBytes and acceptsStatus', () => {
  it('reads the memory limit', () => {
    expect(maxMemoryBytes({ max_memory: '200MB' })).toBe(200 * 1024 * 1024);
    expect(maxMemoryBytes({ max_memory: 4096 })).toBe(4096);
    expect(maxMemoryBytes({})).toBeNull();
  });

  it('accepts 200..399 unless told otherwise', () => {
    expect([199, 200, 302, 399, 400].map((s) => acceptsStatus(undefined, s))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(acceptsStatus(204, 204)).toBe(true);
    expect(acceptsStatus(204, 200)).toBe(false);
    expect(acceptsStatus('200-299', 302)).toBe(false);
  });
});
