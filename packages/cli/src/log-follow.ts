import { WebSocket } from 'ws';
import type { LogEntryAnswer } from './api.js';
import type { CommandContext } from './context.js';

/** What to follow, and what to do with each new line. */
export interface FollowOptions<E extends LogEntryAnswer> {
  /** The server-side filter (`kind`, `id`, `run`, `instance`, `level`); `since` is added to it. */
  filter: URLSearchParams;
  token: string | undefined;
  /** Resume after this seq; null starts with whatever the server sends first. */
  since: number | null;
  /** Where the lines the server could not deliver in time can be read, e.g. `they are in the log`. */
  droppedHint: string;
  onEntry: (entry: E) => void;
  /** Stops following, as Ctrl-C does. */
  signal?: AbortSignal;
}

type Message<E> =
  { type: 'entry'; entry: E } | { type: 'dropped'; count: number } | { type: 'ready' | 'error' };

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

/**
 * Streams `/ws/logs` entries until Ctrl-C (or `signal`), reconnecting with
 * the last seq seen when the connection drops, so no line is lost or repeated.
 */
export function followLogs<E extends LogEntryAnswer>(
  ctx: Pick<CommandContext, 'url' | 'out'>,
  options: FollowOptions<E>,
): Promise<void> {
  const { filter, token, signal } = options;
  let lastSeq = options.since;
  let socket: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delayMs = FIRST_RETRY_MS;
  let done = false;
  return new Promise<void>((resolveDone) => {
    const stop = (): void => {
      done = true;
      if (retry) clearTimeout(retry);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      socket?.close();
      resolveDone();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
    const connect = (): void => {
      const query = new URLSearchParams(filter);
      if (lastSeq !== null) query.set('since', String(lastSeq));
      const url = `${ctx.url().replace(/^http/, 'ws')}/ws/logs?${query.toString()}`;
      const ws = new WebSocket(
        url,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );
      socket = ws;
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as Message<E>;
        if (message.type === 'ready') delayMs = FIRST_RETRY_MS;
        else if (message.type === 'dropped')
          ctx.out.error(
            `(${message.count} lines were not delivered in time; ${options.droppedHint})`,
          );
        else if (message.type === 'entry' && (lastSeq === null || message.entry.seq > lastSeq)) {
          lastSeq = message.entry.seq;
          options.onEntry(message.entry);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (done) return;
        ctx.out.error(`(connection to ${ctx.url()} lost; reconnecting)`);
        retry = setTimeout(connect, delayMs);
        delayMs = Math.min(LAST_RETRY_MS, delayMs * 2);
      });
    };
    if (signal?.aborted === true) stop();
    else connect();
  });
}
