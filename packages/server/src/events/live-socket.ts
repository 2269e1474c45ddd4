import type { WebSocket } from '@fastify/websocket';
import type { RawData } from 'ws';
import { CodedanceError } from '@codedance/core';
import { toCodedanceError } from '../http/index.js';
import {
  ConnectionCounter,
  DEFAULT_LIVE_LIMITS,
  closeTooSlow,
  congestedBytes,
  sendBounded,
  type LiveLimits,
} from './live-limits.js';

/** The largest message a client may send (a subscription is a few hundred bytes). */
export const MAX_CLIENT_MESSAGE = 64 * 1024;

/**
 * A `send` for a feed: JSON out, false (not sent, so the feed drops and
 * counts it) while the socket is congested. Should a message still take the
 * socket past `maxBufferedBytes`, the client is closed as too slow.
 */
export function jsonSender(
  socket: WebSocket,
  limits: () => LiveLimits,
): (message: unknown) => boolean {
  return (message) => {
    // A closing socket takes nothing more; its subscription ends with its close event.
    if (socket.readyState !== socket.OPEN) return true;
    const current = limits();
    if (socket.bufferedAmount > congestedBytes(current)) return false;
    socket.send(JSON.stringify(message));
    if (socket.bufferedAmount > current.maxBufferedBytes) closeTooSlow(socket, current);
    return true;
  };
}

/** Control messages (ready, errors) are tiny and never dropped; they too respect the limit. */
export function controlSender(
  socket: WebSocket,
  limits: () => LiveLimits,
): (message: unknown) => void {
  return (message) => {
    sendBounded(socket, JSON.stringify(message), limits());
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

/**
 * The sockets of the live routes: admitted within the connection limits,
 * and closed when the app closes instead of being waited on.
 */
export class LiveSockets {
  readonly #sockets = new Set<WebSocket>();
  readonly #counter: ConnectionCounter;

  constructor(readonly limits: () => LiveLimits = () => DEFAULT_LIVE_LIMITS) {
    this.#counter = new ConnectionCounter(limits);
  }

  /** Tracks the socket of a client at `address`; false when a limit refused it (it is being closed). */
  add(socket: WebSocket, address: string): boolean {
    if (!this.#counter.admit(socket, address)) return false;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    return true;
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
    /** The client's address, for the per-address connection limit. */
    address: string;
  },
): void {
  const { sockets } = options;
  if (!sockets.add(socket, options.address)) return;
  const send = jsonSender(socket, sockets.limits);
  const sendNow = controlSender(socket, sockets.limits);
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
