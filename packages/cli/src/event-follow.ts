import type { WebSocket } from 'ws';
import type { CommandContext } from './context.js';

/** One event of `/ws/events`, as the server's event bus numbers and sends it. */
export interface EventAnswer<D = Record<string, unknown>> {
  seq: number;
  time: string;
  type: string;
  data: D;
}

export interface EventFollowOptions {
  /** Event names to receive (`deployment.status`, …); all when empty. */
  types: readonly string[];
  token: string | undefined;
  onEvent: (event: EventAnswer) => void;
  /**
   * Called each time the stream is live, at first and after every reconnection: events may
   * have been missed while it was down, so the caller reads the state afresh.
   */
  onReady?: () => void;
  /** Ends the stream. */
  signal: AbortSignal;
}

type Message = { type: 'event'; event: EventAnswer } | { type: 'ready' | 'dropped' | 'error' };

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

/**
 * Follows `/ws/events` until `signal` aborts, reconnecting (with a growing delay) whenever the
 * connection drops or cannot be made. It carries no state between connections: callers that
 * need the whole truth read it again on `onReady`, which makes a restarted server (whose event
 * numbers start again at 1) no different from a dropped connection.
 */
export async function followEvents(
  ctx: Pick<CommandContext, 'url'>,
  options: EventFollowOptions,
): Promise<void> {
  // Loaded here: the WebSocket client costs every other command a noticeable part of its start-up.
  const { WebSocket } = await import('ws');
  const { signal, token } = options;
  let socket: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delayMs = FIRST_RETRY_MS;
  return new Promise<void>((resolveDone) => {
    const stop = (): void => {
      if (retry) clearTimeout(retry);
      socket?.terminate();
      resolveDone();
    };
    const connect = (): void => {
      const query = new URLSearchParams();
      if (options.types.length > 0) query.set('types', options.types.join(','));
      const url = `${ctx.url().replace(/^http/, 'ws')}/ws/events?${query.toString()}`;
      const ws = new WebSocket(
        url,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );
      socket = ws;
      ws.on('message', (data: Buffer) => {
        let message: Message;
        try {
          message = JSON.parse(data.toString('utf8')) as Message;
        } catch {
          return;
        }
        if (message.type === 'ready') {
          delayMs = FIRST_RETRY_MS;
          options.onReady?.();
        } else if (message.type === 'dropped') {
          // Events were lost to congestion: the state is read again, as after a reconnection.
          options.onReady?.();
        } else if (message.type === 'event') {
          options.onEvent(message.event);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (signal.aborted) return;
        retry = setTimeout(connect, delayMs);
        delayMs = Math.min(LAST_RETRY_MS, delayMs * 2);
      });
    };
    if (signal.aborted) {
      resolveDone();
      return;
    }
    signal.addEventListener('abort', stop, { once: true });
    connect();
  });
}
