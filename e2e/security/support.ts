import WebSocket from 'ws';
import type { TestServer } from '../support/server.js';

/** Signs in through a one-time link, as a browser does, and answers the session cookie (`name=value`). */
export async function signIn(server: TestServer, url = server.loginLink().url): Promise<string> {
  const response = await fetch(url, { redirect: 'manual' });
  const setCookie = response.headers.get('set-cookie');
  if (response.status !== 303 || setCookie === null) {
    throw new Error(`signing in answered ${response.status} without a cookie`);
  }
  return setCookie.split(';')[0] ?? '';
}

/** What an attempt to open a socket came to: refused with an HTTP status, or open. */
export type Upgrade = { status: number; body: string } | { socket: WebSocket };

/** Tries a WebSocket upgrade with the given headers (Host, Origin, Cookie, Authorization). */
export function upgrade(
  server: TestServer,
  path: string,
  headers: Record<string, string> = {},
): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { headers });
    socket.on('error', () => undefined);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
        socket.terminate();
      });
    });
    socket.once('open', () => {
      resolve({ socket });
    });
    setTimeout(() => {
      reject(new Error(`no answer to the upgrade of ${path}`));
    }, 10_000).unref();
  });
}

/** Resolves with the close code and reason once the server closes the socket. */
export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
}
