import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { CodedanceError, ConflictError } from '@codedance/core';
import { startBareApp, type BareApp } from './test-support/bare-app.js';

describe('error handling and validation', () => {
  let bare: BareApp;
  beforeAll(async () => {
    bare = await startBareApp((app) => {
      app.post(
        '/things',
        {
          schema: {
            body: Type.Object(
              {
                name: Type.String({ minLength: 1 }),
                size: Type.Integer({ minimum: 1 }),
                mode: Type.Union([Type.Literal('fast'), Type.Literal('safe')]),
              },
              { additionalProperties: false },
            ),
            querystring: Type.Object(
              { dry: Type.Optional(Type.Boolean()) },
              { additionalProperties: false },
            ),
          },
        },
        (request) => ({ got: request.body, query: request.query }),
      );
      app.get('/conflict', () => {
        throw new ConflictError('task', 'nightly', 3, 4);
      });
      app.get('/boom', () => {
        throw new Error('secret internal detail');
      });
      app.get('/coded', () => {
        throw new CodedanceError('CD_NOT_FOUND', {
          message: 'task x does not exist',
          details: { id: 'x' },
        });
      });
    });
  });
  afterAll(async () => {
    await bare.close();
  });

  const post = (body: string, query = '') =>
    fetch(`${bare.url}/things${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('accepts a good body and coerces query strings', async () => {
    const response = await post('{"name":"a","size":2,"mode":"fast"}', '?dry=true');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      got: { name: 'a', size: 2, mode: 'fast' },
      query: { dry: true },
    });
  });

  it('names every bad field, without coercing body types', async () => {
    const response = await post('{"name":"","size":"2","mode":"slow","extra":1}');
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: {
        code: string;
        message: string;
        details: { problems: { path: string; message: string }[] };
      };
    };
    expect(body.error.code).toBe('CD_VALIDATION_FAILED');
    const problems = Object.fromEntries(
      body.error.details.problems.map((p) => [p.path, p.message]),
    );
    expect(problems).toMatchObject({
      '/name': expect.stringContaining('fewer than 1'),
      '/size': 'must be integer',
      '/mode': 'must be one of "fast", "safe"',
      '/extra': 'is not a known field',
    });
    expect(body.error.message).toMatch(/^Invalid body \/\w+/);
  });

  it('reports a missing field by its path', async () => {
    const body = (await (await post('{"name":"a","mode":"safe"}')).json()) as {
      error: { details: { problems: unknown[] } };
    };
    expect(body.error.details.problems).toEqual([{ path: '/size', message: 'is required' }]);
  });

  it('maps malformed JSON, empty bodies and wrong media types', async () => {
    const bad = await post('{"name":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('CD_INVALID_JSON');
    const empty = await post('');
    expect(empty.status).toBe(400);
    const text = await fetch(`${bare.url}/things`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe(
      'CD_UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('refuses unknown query parameters', async () => {
    const response = await post('{"name":"a","size":1,"mode":"safe"}', '?verbose=1');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'verbose',
    );
  });

  it('keeps the catalogue status, code and details of domain errors', async () => {
    const conflict = await fetch(`${bare.url}/conflict`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({
      error: {
        code: 'CD_CONFLICT',
        message: "task 'nightly' is at version 4, not 3: it was changed by another writer.",
        details: { kind: 'task', id: 'nightly', expectedVersion: 3, actualVersion: 4 },
      },
    });
    const missing = await fetch(`${bare.url}/coded`);
    expect(missing.status).toBe(404);
  });

  it('hides the details of unexpected errors', async () => {
    const response = await fetch(`${bare.url}/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'CD_INTERNAL', message: 'Something went wrong inside Codedance.' },
    });
    expect(text).not.toContain('secret internal detail');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${bare.url}/nowhere?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'CD_ROUTE_NOT_FOUND', message: 'No endpoint GET /nowhere.' },
    });
  });
});

describe('a server that is closing', () => {
  it('answers a request that still reaches it with CD_SHUTTING_DOWN, retry-after and connection: close', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = (): void => undefined;
    const slowStarted = new Promise<void>((resolve) => (started = resolve));
    const bare = await startBareApp((app) => {
      app.get('/slow', async () => {
        started();
        await held;
        return { slow: true };
      });
      app.get('/ping', () => ({ pong: true }));
    });
    const { port } = new URL(bare.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const ended = new Promise<void>((resolve) =>
      socket.once('close', () => {
        resolve();
      }),
    );
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowStarted;
    const closed = bare.close();
    // The close has begun (routes refuse from now on); /slow is still being answered, so this
    // connection stays open and a request sent on it now still reaches the server.
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await closed;
    await ended;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(answers[0]).toContain('{"slow":true}');
    const refusal = answers[1] ?? '';
    expect(refusal).toMatch(/^HTTP\/1\.1 503/);
    expect(refusal).toMatch(/\r\nretry-after: 2\r\n/i);
    expect(refusal).toMatch(/\r\nconnection: close\r\n/i);
    const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({
      error: { code: 'CD_SHUTTING_DOWN', message: 'The server is shutting down.' },
    });
  });
});
