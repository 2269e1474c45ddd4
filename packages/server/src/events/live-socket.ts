import type { WebSocket } from '@fastify/websocket';
import type { RawData } from 'ws';
import { CodedanceError } from '@codedance/core';
import { toCodedanceError } from '../http/errors.js';

/** Above this many unsent bytes a client counts as congested and live items are dropped for it. */
export const CONGESTED_BYTES = 1024 * 1024;

/** The largest message a client may send (a subscription is a few hundred bytes). */
export const MAX_CLIENT_MESSAGE = 64 * 1024;

/** A `send` for a feed: JSON out, false (not sent) while the socket's buffer is over the limit. */
export function jsonSender(socket: WebSocket): (message: unknown) => boolean {
  return (message) => {
    // A closing socket takes nothing more; its subscription ends with its close event.
    if (socket.readyState !== socket.OPEN) return true;
    if (socket.bufferedAmount > CONGESTED_BYTES) return false;
    socket.send(JSON.stringify(message));
    return true;
  };
}

/**
 * Pings every `heartbeatSeconds()` (read each time, so a new setting
 * applies at once) and terminates a client that missed two pongs in a row:
 * a dead peer otherwise holds its socket and subscription for hours.
 * Returns the stop function.
 */
export function keepAlive(socket: WebSocket, heartbeatSeconds: () => number): () => void {
  let missed = 0;
  let awaiting = false;
  let timer: NodeJS.Timeout | null = null;
  const onPong = (): void => {
    awaiting = false;
    missed = 0;
  };
  const schedule = (): void => {
    const seconds = heartbeatSeconds();
    timer = setTimeout(seconds > 0 ? tick : schedule, (seconds > 0 ? seconds : 1) * 1000);
    timer.unref();
  };
  const tick = (): void => {
    if (awaiting && ++missed >= 2) {
      timer = null;
      socket.terminate();
      return;
    }
    awaiting = true;
    socket.ping();
    schedule();
  };
  socket.on('pong', onPong);
  schedule();
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
    socket.off('pong', onPong);
  };
}

/** The sockets of the live routes, so closing the app closes them instead of waiting on them. */
export class LiveSockets {
  readonly #sockets = new Set<WebSocket>();

  add(socket: WebSocket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Says goodbye (1001) to every client and terminates those that have not answered within `graceMs`. */
  async closeAll(graceMs = 1000): Promise<void> {
    await Promise.all(
      [...this.#sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === socket.CLOSED) {
              resolve();
              return;
            }
            const timer = setTimeout(() => {
              socket.terminate();
            }, graceMs);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            socket.close(1001, 'server shutting down');
          }),
      ),
    );
  }
}

export type ClientRequestParser<Q> = (message: unknown) => Q;

/**
 * Runs one client connection of a stream: subscribes with the query of the
 * upgrade, answers `{"type":"subscribe",…}` messages by subscribing anew,
 * reports bad messages as `{"type":"error"}` without closing, keeps the
 * client alive and cleans everything up when it goes.
 */
export function serveStream<Q>(
  socket: WebSocket,
  options: {
    initial: Q;
    parse: ClientRequestParser<Q>;
    subscribe: (
      request: Q,
      send: (message: unknown) => boolean,
      onReady: (seq: number) => void,
    ) => () => void;
    heartbeatSeconds: () => number;
    sockets: LiveSockets;
  },
): void {
  options.sockets.add(socket);
  const send = jsonSender(socket);
  // Control messages are tiny and must not be lost to congestion.
  const sendNow = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const subscribe = (request: Q): (() => void) =>
    options.subscribe(request, send, (seq) => {
      sendNow({ type: 'ready', seq });
    });
  let unsubscribe = subscribe(options.initial);
  const stopHeartbeat = keepAlive(socket, options.heartbeatSeconds);
  socket.on('message', (data, isBinary) => {
    let request: Q;
    try {
      request = options.parse(parseClientMessage(data, isBinary));
    } catch (error) {
      sendNow({ type: 'error', error: toCodedanceError(error).toBody().error });
      return;
    }
    unsubscribe();
    unsubscribe = subscribe(request);
  });
  socket.once('close', () => {
    unsubscribe();
    stopHeartbeat();
  });
}

/** A client message as JSON; binary, oversized and malformed messages are refused with a coded error. */
export function parseClientMessage(data: RawData, isBinary: boolean): unknown {
  const bytes = Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data);
  if (isBinary || bytes.length > MAX_CLIENT_MESSAGE) {
    throw new CodedanceError('CD_BAD_REQUEST', {
      message: `Send JSON text messages of at most ${MAX_CLIENT_MESSAGE} bytes.`,
    });
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new CodedanceError('CD_INVALID_JSON', {
      message: 'The message is not valid JSON.',
      cause: error,
    });
  }
}
