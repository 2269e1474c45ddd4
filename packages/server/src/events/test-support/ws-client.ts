import { WebSocket, type ClientOptions } from 'ws';
import { until } from '../../logs/test-support/fixtures.js';

/** One message the live routes send, loosely typed for assertions. */
export type Received = { type: string; [key: string]: unknown };

export interface TestClient {
  socket: WebSocket;
  messages: Received[];
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
  waitFor(
    what: string,
    probe: (messages: Received[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  send(message: unknown): void;
}

/** Opens a WebSocket and records every JSON message; rejects when the upgrade is refused. */
export async function connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(url, options);
  const messages: Received[] = [];
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as Received);
  });
  const closed = new Promise<number>((resolve) => socket.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    closed,
    waitFor: (what, probe, timeoutMs) => until(what, () => probe(messages), timeoutMs),
    send: (message) => {
      socket.send(JSON.stringify(message));
    },
  };
}

/** Tries to open a WebSocket that the server must refuse; resolves with the HTTP answer. */
export function refusal(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => {
      socket.close();
      reject(new Error(`${url} was upgraded`));
    });
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
        });
      });
    });
    socket.once('error', () => undefined);
  });
}
