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
