import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * Throws malformed and hostile input at every endpoint the OpenAPI document
 * lists, and checks three things each time: the answer is a 4xx (never a
 * 5xx), it is the JSON error shape with a stable code, and nothing stored
 * changed.
 */

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
}

const CD_CODE = /^CD_[A-Z_]+$/;

async function operations(server: TestServer): Promise<Operation[]> {
  const { body } = await server.json<{
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  }>('/api/openapi.json');
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(body.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, 'x'),
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  return ops;
}

async function snapshot(server: TestServer): Promise<string> {
  const config = await server.json('/api/settings/config');
  const storage = await server.json<Record<string, unknown>>('/api/settings/storage-info');
  const file = await readFile(join(server.dataDir, 'config.json'), 'utf8').catch(() => '<none>');
  // The audit trail and the usage meter record every call, refused ones too: that is their job.
  const {
    audit: _audit,
    'usage-hour': _usage,
    ...kinds
  } = (storage.body.kinds ?? {}) as Record<string, number>;
  return JSON.stringify([config.body, kinds, storage.body.schemaVersion, file]);
}

function expectErrorShape(status: number, body: unknown, context: string): void {
  expect(status, context).toBeGreaterThanOrEqual(400);
  expect(status, context).toBeLessThan(500);
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  expect(error, `${context}: body ${JSON.stringify(body)}`).toBeDefined();
  expect(error?.code, context).toMatch(CD_CODE);
  expect(typeof error?.message, context).toBe('string');
  expect(JSON.stringify(body), context).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('hostile input at every endpoint', () => {
  let server: TestServer;
  let ops: Operation[];
  let before: string;

  beforeAll(async () => {
    server = await startTestServer();
    ops = await operations(server);
    before = await snapshot(server);
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('finds the endpoints to attack', () => {
    expect(ops.length).toBeGreaterThanOrEqual(10);
    expect(ops.filter((o) => o.hasBody).length).toBeGreaterThanOrEqual(2);
  });

  const badBodies: [string, string, string][] = [
    ['truncated JSON', 'application/json', '{"logging": {"level": '],
    ['not JSON at all', 'application/json', 'hello'],
    ['an array', 'application/json', '[1,2,3]'],
    ['a string', 'application/json', '"config"'],
    ['a number', 'application/json', '42'],
    ['null', 'application/json', 'null'],
    ['prototype poisoning', 'application/json', '{"__proto__": {"polluted": true}}'],
    [
      'constructor poisoning',
      'application/json',
      '{"constructor": {"prototype": {"polluted": true}}}',
    ],
    [
      'wrong types',
      'application/json',
      '{"server": {"port": "eighty"}, "logging": {"maxFiles": [1]}}',
    ],
    ['unknown fields', 'application/json', '{"zzz": 1, "server": {"colour": "blue"}}'],
    ['deep nesting', 'application/json', `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`],
    ['plain text', 'text/plain', 'logging.level=DEBUG'],
    ['form data', 'application/x-www-form-urlencoded', 'a=1&b=2'],
  ];

  it('answers every bad body with a 4xx JSON error', async () => {
    for (const op of ops.filter((o) => o.hasBody)) {
      for (const [name, type, body] of badBodies) {
        const response = await server.get(op.path, {
          method: op.method,
          headers: { 'content-type': type },
          body,
        });
        const text = await response.text();
        const context = `${op.method} ${op.path} with ${name}`;
        // validate-config reports a bad configuration as a 200 report; a body that is not an object is still a 4xx.
        if (response.status === 200 && op.path === '/api/settings/validate-config') {
          expect((JSON.parse(text) as { valid: boolean }).valid, context).toBe(false);
          continue;
        }
        expectErrorShape(response.status, JSON.parse(text), context);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an oversized body with 413', async () => {
    const huge = JSON.stringify({ logging: { level: 'x'.repeat(2 * 1024 * 1024) } });
    for (const op of ops.filter((o) => o.hasBody)) {
      const response = await server.get(op.path, {
        method: op.method,
        headers: { 'content-type': 'application/json' },
        body: huge,
      });
      const body: unknown = await response.json();
      expect(response.status, `${op.method} ${op.path}`).toBe(413);
      expectErrorShape(response.status, body, `${op.method} ${op.path}`);
      expect((body as { error: { code: string } }).error.code).toBe('CD_PAYLOAD_TOO_LARGE');
    }
  });

  it('refuses unknown and malformed query parameters, naming them', async () => {
    for (const op of ops.filter((o) => o.method === 'GET' && o.path !== '/api/openapi.json')) {
      const response = await server.get(`${op.path}?definitely_unknown=1`);
      const body: unknown = await response.json().catch(() => ({}));
      expectErrorShape(response.status, body, `GET ${op.path}?definitely_unknown=1`);
      expect((body as { error: { message: string } }).error.message).toContain(
        'definitely_unknown',
      );
    }
    for (const query of [
      'limit=abc',
      'limit=-1',
      'limit=99999999999999999999',
      'sort=%00',
      'limit=1&limit=2',
    ]) {
      const response = await server.get(`/api/system/processes?${query}`);
      expectErrorShape(response.status, await response.json(), `processes?${query}`);
    }
  });

  it('answers broken URLs and unknown routes with JSON errors', async () => {
    for (const [method, path] of [
      ['GET', '/api/%E0%A4%A'],
      ['GET', '/api/nope'],
      ['DELETE', '/api/status'],
      ['PATCH', '/api/settings/config'],
      ['GET', `/api/${'a'.repeat(5000)}`],
      ['GET', '/../../etc/passwd'],
    ] as const) {
      const response = await server.get(path, { method });
      expectErrorShape(response.status, await response.json(), `${method} ${path}`);
    }
  });

  it('changed nothing stored', async () => {
    expect(await snapshot(server)).toBe(before);
  });
});
