import type { WebSocket } from '@fastify/websocket';
import { defaultConfig, type Config } from '@codedance/core';

/** What the live routes allow (`websocket.*` in the configuration), read per connection. */
export type LiveLimits = Pick<
  Config['websocket'],
  'maxConnections' | 'maxConnectionsPerAddress' | 'maxBufferedBytes'
>;

export const DEFAULT_LIVE_LIMITS: LiveLimits = defaultConfig('').websocket;

/**
 * Close codes of the live routes. 1013 is RFC 6455's "try again later";
 * the others are in the private range, named after the HTTP status that
 * means the same: 429 too many requests, 408 too slow.
 */
export const LIVE_CLOSE_CODES = {
  /** The server holds `maxConnections` live connections already. */
  busy: 1013,
  /** This client address holds `maxConnectionsPerAddress` already. */
  tooManyFromAddress: 4429,
  /** More than `maxBufferedBytes` were waiting to be sent: the client does not read. */
  tooSlow: 4008,
} as const;

/** Above this many unsent bytes a client counts as congested and live items are dropped for it. */
export const CONGESTED_BYTES = 1024 * 1024;

/** How long a client closed for being too slow has to read its close frame before it is cut off. */
const SLOW_CLOSE_GRACE_MS = 5000;

/** Congestion starts at 1 MiB, or half the hard limit when that is lower. */
export function congestedBytes(limits: LiveLimits): number {
  return Math.min(CONGESTED_BYTES, Math.floor(limits.maxBufferedBytes / 2));
}

/**
 * Closes a client whose unsent bytes passed the limit, with 4008. The close
 * frame waits behind what is buffered, so a client that never reads is cut
 * off after a grace period; nothing more is queued for it meanwhile.
 */
export function closeTooSlow(socket: WebSocket, limits: LiveLimits): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.close(
    LIVE_CLOSE_CODES.tooSlow,
    `too slow: more than ${limits.maxBufferedBytes} bytes waiting to be sent`,
  );
  const timer = setTimeout(() => {
    socket.terminate();
  }, SLOW_CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => {
    clearTimeout(timer);
  });
}

/**
 * Sends `text` unless that would take the socket's unsent bytes past the
 * limit, in which case the client is closed as too slow. For messages
 * that must not be dropped (ready, errors); live items go through the
 * congestion check first and are dropped long before this limit.
 */
export function sendBounded(socket: WebSocket, text: string, limits: LiveLimits): void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount + Buffer.byteLength(text) > limits.maxBufferedBytes) {
    closeTooSlow(socket, limits);
    return;
  }
  socket.send(text);
}

/**
 * Which connections the live routes hold, by client address, and whether
 * one more is allowed. A refused connection is closed at once with its
 * code and a reason that says which limit it hit.
 */
export class ConnectionCounter {
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(private readonly limits: () => LiveLimits) {}

  get total(): number {
    return this.#total;
  }

  /** Counts the socket until it closes, or closes it with the limit's code; true when admitted. */
  admit(socket: WebSocket, address: string): boolean {
    const limits = this.limits();
    const fromAddress = this.#byAddress.get(address) ?? 0;
    if (this.#total >= limits.maxConnections) {
      socket.close(
        LIVE_CLOSE_CODES.busy,
        `server busy: ${limits.maxConnections} live connections open; try again later`,
      );
      return false;
    }
    if (fromAddress >= limits.maxConnectionsPerAddress) {
      socket.close(
        LIVE_CLOSE_CODES.tooManyFromAddress,
        `too many live connections from your address (${limits.maxConnectionsPerAddress})`,
      );
      return false;
    }
    this.#total++;
    this.#byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.#total--;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    });
    return true;
  }
}
