import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { networkReason } from '@codedance/client';
import { httpFetch } from './http-fetch.js';

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** A server that hands each request and its body to `answer`; resolves to its base URL. */
function serve(
  answer: (request: IncomingMessage, body: string) => { status: number; text: string } | null,
): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = answer(request, Buffer.concat(chunks).toString('utf8'));
      if (reply === null) return;
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(reply.text);
    });
  });
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

describe('httpFetch', () => {
  it('sends the method, headers and body, and answers with the status and text', async () => {
    const url = await serve((request, body) => ({
      status: 201,
      text: JSON.stringify({ method: request.method, auth: request.headers.authorization, body }),
    }));
    const answer = await httpFetch(`${url}/api/x?y=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(await answer.text())).toEqual({
      method: 'POST',
      auth: 'Bearer t',
      body: '{"a":1}',
    });
  });

  it('fails as fetch does, so the client names the reason', async () => {
    const url = await serve(() => ({ status: 200, text: '' }));
    const port = new URL(url).port;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const refused = await httpFetch(`http://127.0.0.1:${port}/`, {
      method: 'GET',
      headers: {},
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect(networkReason(refused, 1000)).toBe('connection refused (ECONNREFUSED)');

    const silent = await serve(() => null);
    const timedOut = await httpFetch(silent, {
      method: 'GET',
      headers: {},
      signal: AbortSignal.timeout(50),
    }).catch((error: unknown) => error);
    expect(networkReason(timedOut, 50)).toBe('no answer within 0.05 s');
  });
});
