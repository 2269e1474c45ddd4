import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface HttpProbeOptions {
  /** Inclusive range of statuses that count as healthy; 200–399 by default (redirects are not followed). */
  expectStatus?: readonly [min: number, max: number];
  timeoutMs: number;
}

/**
 * Whether `url` answers with an expected status within `timeoutMs`. Any
 * failure (refused, reset, timed out, bad URL) is simply `false`: a probe
 * reports health, it does not explain it. Each probe is one request on its
 * own connection, closed once the status is known: nothing is kept open to
 * the service between probes, and the server does not load an HTTP client
 * stack (Node's fetch) that only probes would use.
 */
export async function probeHttp(url: string, options: HttpProbeOptions): Promise<boolean> {
  const [min, max] = options.expectStatus ?? [200, 399];
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const send =
    target.protocol === 'http:'
      ? httpRequest
      : target.protocol === 'https:'
        ? (await import('node:https')).request
        : null;
  if (send === null) return false;
  return new Promise((resolve) => {
    try {
      const request = send(
        target,
        { agent: false, signal: AbortSignal.timeout(options.timeoutMs) },
        (response) => {
          const status = response.statusCode ?? 0;
          // The body is not needed: dropping the connection frees it at once.
          response.destroy();
          resolve(status >= min && status <= max);
        },
      );
      request.on('error', () => {
        resolve(false);
      });
      request.end();
    } catch {
      resolve(false);
    }
  });
}

/**
 * Whether a TCP connection to `host:port` opens within `timeoutMs`; it is
 * closed straight away. Like `probeHttp`, any failure (an invalid port too) is `false`.
 */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let socket: Socket;
    try {
      socket = connect({ host, port, timeout: timeoutMs });
    } catch {
      resolve(false);
      return;
    }
    const finish = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => {
      finish(true);
    });
    socket.once('timeout', () => {
      finish(false);
    });
    socket.once('error', () => {
      finish(false);
    });
  });
}
