import { describe, expect, it } from 'vitest';
import { networkReason } from '@codedance/client';
import { ApiError, cliClient, isUnreachable, type ApiClient } from './client.js';

function clientAnswering(status: number, body: string | null, seen: Request[] = []): ApiClient {
  return cliClient({
    url: 'http://cd.test',
    token: 'secret-token-123456',
    timeoutMs: 1000,
    fetch: (input, init) => {
      seen.push(new Request(input, init));
      return Promise.resolve(
        new Response(body, { status, headers: { 'content-type': 'application/json' } }),
      );
    },
  });
}

describe('ApiClient', () => {
  it('sends the token as a Bearer header and JSON bodies', async () => {
    const seen: Request[] = [];
    await clientAnswering(200, '{"valid":true}', seen).settings.validate({ a: 1 });
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer secret-token-123456');
    expect(seen[0]?.headers.get('content-type')).toBe('application/json');
    expect(await seen[0]?.text()).toBe('{"a":1}');
  });

  it('turns an error answer into ApiError with code, message and problems', async () => {
    const body = JSON.stringify({
      error: {
        code: 'CD_VALIDATION_FAILED',
        message: 'Invalid body',
        details: { problems: [{ path: '/a', message: 'bad' }, { nope: 1 }] },
      },
    });
    const error = await clientAnswering(400, body)
      .request('GET', '/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'CD_VALIDATION_FAILED',
      message: 'Invalid body',
    });
    expect((error as ApiError).problems).toEqual([{ path: '/a', message: 'bad' }]);
  });

  it('says when the answer is not from Codedance', async () => {
    const error = await clientAnswering(200, '<html>')
      .status()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CD_BAD_RESPONSE',
      message: expect.stringContaining('is this a Codedance server?'),
    });
  });

  it('throws an unreachable ApiError with a short reason when the connection fails', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const client = cliClient({
      url: 'http://cd.test',
      timeoutMs: 1000,
      fetch: () => Promise.reject(refused),
    });
    const error = await client.status().catch((e: unknown) => e);
    expect(isUnreachable(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CD_UNREACHABLE', status: 0 });
    expect((error as ApiError).message).toBe(
      'cannot reach Codedance at http://cd.test: connection refused (ECONNREFUSED)',
    );
  });
});

describe('cliClient', () => {
  it('says why the local credential could not be read when the server answers 401', async () => {
    const body = JSON.stringify({
      error: { code: 'CD_UNAUTHENTICATED', message: 'Token needed.' },
    });
    const client = cliClient({
      url: 'http://cd.test',
      credentialProblem: 'cannot read /data/credentials/admin-token',
      timeoutMs: 1000,
      fetch: () => Promise.resolve(new Response(body, { status: 401 })),
    });
    await expect(client.status()).rejects.toMatchObject({
      status: 401,
      code: 'CD_UNAUTHENTICATED',
      message: 'Token needed. (cannot read /data/credentials/admin-token)',
    });
  });
});

describe('the client over its fetch', () => {
  it('PUTs a JSON body and reads the JSON answer', async () => {
    const seen: Request[] = [];
    const answer = await clientAnswering(200, '{"name":"api"}', seen).services.update('api', {
      command: 'node',
    });
    expect(answer).toEqual({ name: 'api' });
    expect(seen[0]?.method).toBe('PUT');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer secret-token-123456');
    expect(seen[0]?.headers.get('content-type')).toBe('application/json');
    expect(await seen[0]?.text()).toBe('{"command":"node"}');
  });

  it('DELETEs without a body and takes an empty 204 as done', async () => {
    const seen: Request[] = [];
    await expect(clientAnswering(204, null, seen).services.remove('api')).resolves.toBeUndefined();
    expect(seen[0]?.method).toBe('DELETE');
    expect(seen[0]?.headers.get('content-type')).toBeNull();
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer secret-token-123456');
  });

  it('still refuses an empty 200 answer to anything but DELETE', async () => {
    const error = await clientAnswering(200, null)
      .request('PUT', '/api/services/api', { body: {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CD_BAD_RESPONSE' });
  });

  it('turns an error answer to DELETE into ApiError', async () => {
    const body = JSON.stringify({ error: { code: 'CD_NOT_FOUND', message: 'no such service' } });
    const error = await clientAnswering(404, body)
      .services.remove('nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'CD_NOT_FOUND', message: 'no such service' });
  });

  it('adds the given headers to a request', async () => {
    const seen: Request[] = [];
    await clientAnswering(200, '{"ok":true}', seen).tasks.update('x', { a: 1 }, { ifMatch: 3 });
    expect(seen[0]?.headers.get('if-match')).toBe('"3"');
    expect(seen[0]?.headers.get('accept')).toBe('application/json');
  });
});

describe('networkReason', () => {
  it('names a timeout with its length', () => {
    expect(networkReason(new DOMException('timed out', 'TimeoutError'), 2500)).toBe(
      'no answer within 2.5 s',
    );
  });

  it('keeps unknown codes as they are', () => {
    expect(
      networkReason(
        Object.assign(new TypeError('fetch failed'), { cause: { code: 'EPROTO' } }),
        1000,
      ),
    ).toBe('EPROTO');
  });
});
