import { ServiceSpecSchema } from '@codedance/core';
import { describe, expect, it } from 'vitest';
import type { Service, ServiceSpec } from '../../api/types';
import {
  EMPTY_SERVICE_FORM,
  SERVER_DEFAULTS,
  fromFormValues,
  problemsByField,
  toFormValues,
  type ServiceFormValues,
} from './serviceForm';
import { serviceView } from '../../test-support/services';

const SCRIPT = "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)";

const service = (overrides: Partial<ServiceSpec> = {}): Service =>
  serviceView({ name: 'api', ...overrides }, [], 4);

const form = (values: Partial<ServiceFormValues>): ServiceFormValues => ({
  ...EMPTY_SERVICE_FORM,
  ...values,
});

describe('the service form', () => {
  it('sends what was typed and the choices shown, and leaves empty fields to the server', () => {
    expect(fromFormValues(form({ name: ' web ', command: ' /usr/bin/node ' }))).toEqual({
      definition: {
        name: 'web',
        command: '/usr/bin/node',
        args: [],
        env: {},
        shell: false,
        restart: 'always',
        enabled: true,
        stop_signal: 'SIGTERM',
      },
      problems: [],
    });
  });

  it('maps every field to the body of POST /api/services', () => {
    const { definition, problems } = fromFormValues(
      form({
        name: 'web',
        command: '/usr/bin/node',
        args: `-e\n${SCRIPT}\n`,
        cwd: '/srv/web',
        env: 'NODE_ENV=production\nGREETING=hello = world',
        instances: '3',
        port: '8080',
        restart: 'on-failure',
        enabled: false,
        readiness: 'http',
        readiness_path: '/healthz',
        readiness_port: '9090',
        readiness_expect_status: '200-299',
        readiness_timeout_ms: '10000',
        max_memory: '200MB',
        stop_signal: 'SIGINT',
        stop_timeout_ms: '8000',
        backoff_initial_ms: '250',
        backoff_jitter: '0',
        crashloop_max_restarts: '10',
      }),
    );
    expect(problems).toEqual([]);
    expect(definition).toEqual({
      name: 'web',
      command: '/usr/bin/node',
      args: ['-e', SCRIPT],
      cwd: '/srv/web',
      env: { NODE_ENV: 'production', GREETING: 'hello = world' },
      shell: false,
      instances: 3,
      port: 8080,
      restart: 'on-failure',
      enabled: false,
      readiness: { type: 'http', path: '/healthz', port: 9090, expect_status: '200-299' },
      readiness_timeout_ms: 10_000,
      max_memory: '200MB',
      stop_signal: 'SIGINT',
      stop_timeout_ms: 8000,
      backoff: { initial_ms: 250, jitter: 0 },
      crashloop: { max_restarts: 10 },
    });
  });

  it.each([
    [{ readiness: 'tcp' }, { type: 'tcp' }],
    [
      { readiness: 'tcp', readiness_port: '5432' },
      { type: 'tcp', port: 5432 },
    ],
    [
      { readiness: 'http', readiness_path: '/', readiness_expect_status: '204' },
      { type: 'http', path: '/', expect_status: 204 },
    ],
    [
      { readiness: 'log', readiness_pattern: ' listening on \\d+' },
      { type: 'log', pattern: ' listening on \\d+' },
    ],
    [
      { readiness: 'uptime', readiness_seconds: '2.5' },
      { type: 'uptime', seconds: 2.5 },
    ],
  ] as const)('sends readiness %j as %j', (values, readiness) => {
    const { definition } = fromFormValues(form({ name: 'a', command: 'b', port: '80', ...values }));
    expect(definition.readiness).toEqual(readiness);
  });

  it('sends a memory limit in bytes as a number, and a size as text', () => {
    const memory = (max_memory: string) =>
      fromFormValues(form({ name: 'a', command: 'b', max_memory })).definition.max_memory;
    expect([memory('1048576'), memory('1.5G'), memory('')]).toEqual([1_048_576, '1.5G', undefined]);
  });

  it('finds only what it can see itself, and leaves ranges and patterns to the server', () => {
    const { definition, problems } = fromFormValues(
      form({
        instances: 'two',
        port: '0',
        env: 'OK=1\nnot a variable',
        args: '["-e", 1]',
        argsFormat: 'json',
        readiness: 'uptime',
        backoff_multiplier: 'x',
      }),
    );
    expect(problems).toEqual([
      { field: 'name', message: 'required' },
      { field: 'command', message: 'required' },
      { field: 'args', message: 'jsonArgs' },
      { field: 'env', message: 'envLine', line: 2 },
      { field: 'instances', message: 'number' },
      { field: 'readiness_seconds', message: 'required' },
      { field: 'backoff_multiplier', message: 'number' },
    ]);
    // Out of range, but a number: the server says what the range is.
    expect(definition.port).toBe(0);
    expect(
      fromFormValues(form({ name: 'bad name!', command: 'x', instances: '0' })).problems,
    ).toEqual([]);
  });

  it('fills the form from a service, and sends it back unchanged', () => {
    const existing = service({
      args: ['-e', SCRIPT, ' spaced '],
      env: { GREETING: 'hi there', EMPTY: '' },
      cwd: '/srv',
      instances: 2,
      port: 3000,
      restart: 'never',
      readiness: { type: 'http', path: '/ready', expect_status: 204 },
      max_memory: '512MB',
      stop_signal: 'SIGUSR2',
    });
    const values = toFormValues(existing);
    expect(values).toMatchObject({
      name: 'api',
      args: `-e\n${SCRIPT}\n spaced `,
      argsFormat: 'lines',
      env: 'GREETING=hi there\nEMPTY=',
      instances: '2',
      readiness: 'http',
      readiness_path: '/ready',
      readiness_expect_status: '204',
      backoff_max_ms: '30000',
    });
    expect(fromFormValues(values)).toEqual({ definition: existing.spec, problems: [] });
  });

  it('shows as JSON what lines cannot hold, so saving keeps it', () => {
    const existing = service({
      args: ['-e', 'const a = 1;\nconsole.log(a)', ''],
      env: { KEY: 'line one\nline two' },
      readiness: { type: 'log', pattern: 'ready' },
    });
    const values = toFormValues(existing);
    expect(values.argsFormat).toBe('json');
    expect(values.envFormat).toBe('json');
    expect(fromFormValues(values)).toEqual({ definition: existing.spec, problems: [] });
    for (const readiness of [
      { type: 'tcp', port: 7000 },
      { type: 'uptime', seconds: 3 },
    ] as const) {
      const same = service({ readiness, max_memory: 4096 });
      expect(fromFormValues(toFormValues(same)).definition).toEqual(same.spec);
    }
  });

  it("puts the server's problems next to the field their path names, and the rest on the form", () => {
    expect(
      problemsByField([
        { path: '/name', message: 'must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"' },
        { path: '/instances', message: 'must be >= 1' },
        { path: '/readiness/path', message: 'must match pattern "^/"' },
        { path: '/readiness/type', message: 'must be one of http, tcp, log, uptime' },
        { path: '/backoff/max_ms', message: 'must be at least initial_ms' },
        { path: '/env/1BAD', message: 'is not a known field' },
        { path: '/args/3', message: 'must NOT have more than 65536 characters' },
        { path: '/watch', message: 'is not a known field' },
        { path: '', message: 'must be object' },
      ]),
    ).toEqual({
      fields: {
        name: ['must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"'],
        instances: ['must be >= 1'],
        readiness_path: ['must match pattern "^/"'],
        readiness: ['type: must be one of http, tcp, log, uptime'],
        backoff_max_ms: ['must be at least initial_ms'],
        env: ['1BAD: is not a known field'],
        args: ['3: must NOT have more than 65536 characters'],
      },
      form: ['/watch is not a known field', 'must be object'],
    });
  });
});

describe('SERVER_DEFAULTS', () => {
  it("are the defaults of the server's own service schema", () => {
    /** Where each field's default sits in the schema. */
    const paths: Record<string, string[]> = {
      instances: ['instances'],
      readiness_timeout_ms: ['readiness_timeout_ms'],
      stop_timeout_ms: ['stop_timeout_ms'],
      backoff_initial_ms: ['backoff', 'initial_ms'],
      backoff_max_ms: ['backoff', 'max_ms'],
      backoff_multiplier: ['backoff', 'multiplier'],
      backoff_jitter: ['backoff', 'jitter'],
      backoff_reset_after_ms: ['backoff', 'reset_after_ms'],
      crashloop_max_restarts: ['crashloop', 'max_restarts'],
      crashloop_window_ms: ['crashloop', 'window_ms'],
    };
    const defaultAt = (path: string[]): unknown => {
      let node: unknown = ServiceSpecSchema;
      for (const key of path)
        node = (node as { properties: Record<string, unknown> }).properties[key];
      return (node as { default?: unknown }).default;
    };
    for (const [field, shown] of Object.entries(SERVER_DEFAULTS)) {
      // An absent expect_status means 200..399 (a range, so the schema cannot hold it as a default).
      if (field === 'readiness_expect_status') {
        expect(shown).toBe('200-399');
        continue;
      }
      const path = paths[field];
      expect(path, `${field} has no place in the schema here`).toBeDefined();
      expect(String(defaultAt(path ?? [])), field).toBe(shown);
    }
  });
});
