import { connect, type Socket } from 'node:net';

export interface HttpProbeOptions {
  /** Inclusive range of statuses that count as healthy; 200–399 by default (redirects are not followed). */
  expectStatus?: readonly [min: number, max: number];
  timeoutMs: number;
}

/**
 * Whether `url` answers with an expected status within `timeoutMs`. Any
 * failure (refused, reset, timed out, bad URL) is simply `false`: a probe
 * reports health, it does not explain it.
 */
export async function probeHttp(url: string, options: HttpProbeOptions): Promise<boolean> {
  const [min, max] = options.expectStatus ?? [200, 399];
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // The body is not needed; cancelling it frees the connection at once.
    await response.body?.cancel().catch(() => undefined);
    return response.status >= min && response.status <= max;
  } catch {
    return false;
  }
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
