import type { WebSocket } from 'ws';
import type { LogEntry } from '@codedance/api';
import type { CommandContext } from './context.js';

/** What to follow, and what to do with each new line. */
export interface FollowOptions<E extends LogEntry> {
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

/**
 * Consecutive entries that share everything but their line: `text` holds
 * `count` lines joined by newlines (a run of one holds its line as it is),
 * and line `i` has seq `seq + i`.
 */
type Run<E extends LogEntry> = Omit<E, 'line'> & { count: number; text: string };

type Message<E extends LogEntry> =
  | { type: 'entry'; entry: E }
  | { type: 'batch'; runs: Run<E>[] }
  | { type: 'dropped'; count: number }
  | { type: 'ready' | 'error' };

/** The entries a message carries, oldest first. */
function entriesOf<E extends LogEntry>(message: Message<E>): E[] {
  if (message.type === 'entry') return [message.entry];
  if (message.type !== 'batch') return [];
  return message.runs.flatMap(({ count, text, ...shared }) =>
    (count === 1 ? [text] : text.split('\n')).map(
      (line, i) => ({ ...shared, seq: shared.seq + i, line }) as unknown as E,
    ),
  );
}

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

/**
 * Streams `/ws/logs` entries until Ctrl-C (or `signal`), reconnecting with
 * the last seq seen when the connection drops, so no line is lost or repeated.
 * Asks for batches (far less work per line in a burst) and reads single
 * entries too; a server that does not know batches refuses the request, and
 * it is asked again without.
 */
export async function followLogs<E extends LogEntry>(
  ctx: Pick<CommandContext, 'url' | 'out'>,
  options: FollowOptions<E>,
): Promise<void> {
  // Loaded here: the WebSocket client costs every other command a noticeable part of its start-up.
  const { WebSocket } = await import('ws');
  const { filter, token, signal } = options;
  let lastSeq = options.since;
  let socket: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delayMs = FIRST_RETRY_MS;
  let batch = true;
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
      if (batch) query.set('batch', 'true');
      const url = `${ctx.url().replace(/^http/, 'ws')}/ws/logs?${query.toString()}`;
      const ws = new WebSocket(
        url,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );
      socket = ws;
      let refusedBatch = false;
      ws.on('unexpected-response', (_request, response) => {
        refusedBatch = batch && response.statusCode === 400;
        response.resume();
        // Aborts the handshake; the 'close' that follows connects again.
        ws.terminate();
      });
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as Message<E>;
        if (message.type === 'ready') delayMs = FIRST_RETRY_MS;
        else if (message.type === 'dropped')
          ctx.out.error(
            `(${message.count} lines were not delivered in time; ${options.droppedHint})`,
          );
        for (const entry of entriesOf(message)) {
          if (lastSeq !== null && entry.seq <= lastSeq) continue;
          lastSeq = entry.seq;
          options.onEntry(entry);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', (code, reason) => {
        if (done) return;
        if (refusedBatch) {
          batch = false;
          connect();
          return;
        }
        // 1013 and the 4xxx codes are the server's limits (docs/limits.md): say which one.
        const why =
          (code === 1013 || code >= 4000) && reason.length > 0
            ? `closed by the server: ${reason.toString()}`
            : 'lost';
        ctx.out.error(`(connection to ${ctx.url()} ${why}; reconnecting)`);
        retry = setTimeout(connect, delayMs);
        delayMs = Math.min(LAST_RETRY_MS, delayMs * 2);
      });
    };
    if (signal?.aborted === true) stop();
    else connect();
  });
}
