import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, UnreachableError, networkReason } from './client.js';

function clientAnswering(status: number, body: string | null, seen: Request[] = []): ApiClient {
  return new ApiClient({
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
    await clientAnswering(200, '{"valid":true}', seen).post('/api/settings/validate-config', {
      a: 1,
    });
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
      .get('/x')
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
      .get('/api/status')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CD_BAD_RESPONSE',
      message: expect.stringContaining('is this a Codedance server?'),
    });
  });

  it('throws UnreachableError with a short reason when the connection fails', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const client = new ApiClient({
      url: 'http://cd.test',
      timeoutMs: 1000,
      fetch: () => Promise.reject(refused),
    });
    const error = await client.get('/api/status').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).message).toBe(
      'cannot reach Codedance at http://cd.test: connection refused (ECONNREFUSED)',
    );
  });
});

describe('ApiClient.put, delete and request', () => {
  it('PUTs a JSON body and reads the JSON answer', async () => {
    const seen: Request[] = [];
    const answer = await clientAnswering(200, '{"name":"api"}', seen).put('/api/services/api', {
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
    await expect(
      clientAnswering(204, null, seen).delete('/api/services/api'),
    ).resolves.toBeUndefined();
    expect(seen[0]?.method).toBe('DELETE');
    expect(seen[0]?.headers.get('content-type')).toBeNull();
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer secret-token-123456');
  });

  it('still refuses an empty 2xx answer to anything but DELETE', async () => {
    const error = await clientAnswering(204, null)
      .request('PUT', '/api/services/api', {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CD_BAD_RESPONSE' });
  });

  it('turns an error answer to DELETE into ApiError', async () => {
    const body = JSON.stringify({ error: { code: 'CD_NOT_FOUND', message: 'no such service' } });
    const error = await clientAnswering(404, body)
      .delete('/api/services/nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'CD_NOT_FOUND', message: 'no such service' });
  });

  it('adds the given headers to a request', async () => {
    const seen: Request[] = [];
    await clientAnswering(200, '{"ok":true}', seen).request(
      'PUT',
      '/x',
      { a: 1 },
      {
        'if-match': '"3"',
      },
    );
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
