import type { BusEvent, LogEntry, LogLevel } from '../api/types';
import { reconnectDelay } from './backoff';

/** A log subscription: every field narrows; `level` is the minimum. */
export interface LogsRequest {
  stream: 'logs';
  kind?: 'task' | 'service';
  id?: string;
  run?: string;
  instance?: number;
  level?: LogLevel;
  /** Replay what came after this seq; absent: live only. */
  since?: number;
}

export interface EventsRequest {
  stream: 'events';
  /** Only these event names; all when absent. */
  types?: string[];
  since?: number;
}

export type LiveRequest = LogsRequest | EventsRequest;

export type LiveMessage =
  | { type: 'entry'; entry: LogEntry }
  | { type: 'event'; event: BusEvent }
  | { type: 'dropped'; count: number; fromSeq: number; toSeq: number };

export interface LiveHandlers {
  onMessage: (message: LiveMessage) => void;
  /** Replay is done and what follows is live. */
  onReady?: (seq: number) => void;
  onError?: (error: { code: string; message: string }) => void;
}

/**
 * `open`: connected. `connecting`: the first attempt or one after the tab came
 * back. `reconnecting`: waiting (with backoff) after a lost connection.
 * `paused`: closed on purpose while the tab is hidden, or stopped.
 */
export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'paused';

/** The part of a WebSocket this class uses, so tests can hand in their own. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** Whether the page is visible, and news when that changes. */
export interface Visibility {
  hidden(): boolean;
  subscribe(listener: () => void): () => void;
}

export interface LiveConnectionOptions {
  url: () => string;
  /** The server closed the socket because its session or credential ended (4401): it is not retried. */
  onUnauthorized?: () => void;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
  /** How long the tab may stay hidden before the socket is closed. */
  hiddenGraceMs?: number;
  visibility?: Visibility;
}

interface Subscription {
  name: string;
  request: LiveRequest;
  handlers: LiveHandlers;
  /** The newest seq this subscription has seen (delivered, or passed over by `ready`). */
  lastSeq: number | null;
}

const OPEN = 1;

/** The server's close code for a socket whose session or credential ended. */
export const CLOSE_UNAUTHENTICATED = 4401;

function documentVisibility(): Visibility {
  return {
    hidden: () => document.visibilityState === 'hidden',
    subscribe: (listener) => {
      document.addEventListener('visibilitychange', listener);
      return () => {
        document.removeEventListener('visibilitychange', listener);
      };
    },
  };
}

/**
 * The one live connection of a tab: every view's log and event
 * subscriptions travel over one socket to `/ws`. It reconnects with backoff
 * and jitter, closes while the tab is hidden, and on coming back
 * re-subscribes each subscription from the last seq it saw, so nothing is
 * missed and nothing is seen twice; `onResume` listeners refetch the rest.
 */
export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #stateListeners = new Set<(state: LiveState) => void>();
  readonly #resumeListeners = new Set<() => void>();
  readonly #visibility: Visibility;
  #socket: SocketLike | null = null;
  #state: LiveState = 'paused';
  #attempt = 0;
  #counter = 0;
  #everOpened = false;
  #started = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #hideTimer: ReturnType<typeof setTimeout> | null = null;
  #stopVisibility: (() => void) | null = null;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    this.#visibility = options.visibility ?? documentVisibility();
  }

  get state(): LiveState {
    return this.#state;
  }

  /** Connects (unless the tab is hidden) and follows the tab's visibility. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopVisibility = this.#visibility.subscribe(() => {
      this.#onVisibility();
    });
    if (!this.#visibility.hidden()) this.#connect('connecting');
  }

  /** Closes the socket and forgets the timers; subscriptions are kept for a later start. */
  stop(): void {
    this.#started = false;
    this.#stopVisibility?.();
    this.#stopVisibility = null;
    this.#clearTimers();
    this.#closeSocket();
    this.#setState('paused');
  }

  /** Drops the socket and connects again at once (after the token changed, say). */
  reconnectNow(): void {
    if (!this.#started) return;
    this.#clearTimers();
    this.#closeSocket();
    this.#attempt = 0;
    if (!this.#visibility.hidden()) this.#connect('connecting');
  }

  /** Starts a subscription; returns the function that ends it. */
  subscribe(request: LiveRequest, handlers: LiveHandlers): () => void {
    const name = `s${++this.#counter}`;
    const subscription: Subscription = {
      name,
      request,
      handlers,
      lastSeq: request.since ?? null,
    };
    this.#subscriptions.set(name, subscription);
    if (this.#socket?.readyState === OPEN) this.#sendSubscribe(subscription);
    return () => {
      if (!this.#subscriptions.delete(name)) return;
      if (this.#socket?.readyState === OPEN) this.#send({ type: 'unsubscribe', sub: name });
    };
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Called each time the socket opens again after having been open: what was pushed meanwhile may be missing. */
  onResume(listener: () => void): () => void {
    this.#resumeListeners.add(listener);
    return () => this.#resumeListeners.delete(listener);
  }

  #setState(state: LiveState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  #connect(state: LiveState): void {
    this.#setState(state);
    let socket: SocketLike;
    try {
      const create =
        this.#options.createSocket ??
        ((url: string) => new WebSocket(url) as unknown as SocketLike);
      socket = create(this.#options.url());
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#setState('open');
      for (const subscription of this.#subscriptions.values()) this.#sendSubscribe(subscription);
      if (this.#everOpened) for (const listener of this.#resumeListeners) listener();
      this.#everOpened = true;
    };
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return;
      // The server answered: the backoff starts over. Not on open: a server at its connection
      // limit opens the socket and closes it at once, and must not be asked again at once.
      this.#attempt = 0;
      this.#receive(event.data);
    };
    socket.onerror = () => {
      // A close follows; the retry is arranged there.
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (event.code === CLOSE_UNAUTHENTICATED) {
        // Retrying would be refused too; signing in again reconnects (reconnectNow).
        this.#setState('paused');
        this.#options.onUnauthorized?.();
        return;
      }
      if (!this.#started || this.#visibility.hidden()) {
        this.#setState('paused');
        return;
      }
      this.#scheduleRetry();
    };
  }

  #scheduleRetry(): void {
    this.#setState('reconnecting');
    const delay = reconnectDelay(this.#attempt++, this.#options.random);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#started && !this.#visibility.hidden()) this.#connect('reconnecting');
    }, delay);
  }

  #onVisibility(): void {
    if (!this.#started) return;
    if (this.#visibility.hidden()) {
      if (this.#hideTimer !== null) return;
      this.#hideTimer = setTimeout(() => {
        this.#hideTimer = null;
        if (!this.#visibility.hidden()) return;
        if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
        this.#retryTimer = null;
        this.#closeSocket();
        this.#setState('paused');
      }, this.#options.hiddenGraceMs ?? 5_000);
      return;
    }
    if (this.#hideTimer !== null) clearTimeout(this.#hideTimer);
    this.#hideTimer = null;
    if (this.#socket === null) {
      if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
      this.#attempt = 0;
      this.#connect('connecting');
    }
  }

  #sendSubscribe(subscription: Subscription): void {
    const { since: _since, ...request } = subscription.request;
    this.#send({
      type: 'subscribe',
      sub: subscription.name,
      ...request,
      ...(subscription.lastSeq === null ? {} : { since: subscription.lastSeq }),
    });
  }

  #send(message: unknown): void {
    try {
      this.#socket?.send(JSON.stringify(message));
    } catch {
      // The socket is closing; its close event takes it from here.
    }
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: { type?: unknown; sub?: unknown; [key: string]: unknown };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      return;
    }
    const subscription =
      typeof message.sub === 'string' ? this.#subscriptions.get(message.sub) : undefined;
    if (subscription === undefined) return;
    const advance = (seq: unknown) => {
      if (typeof seq === 'number' && (subscription.lastSeq === null || seq > subscription.lastSeq))
        subscription.lastSeq = seq;
    };
    switch (message.type) {
      case 'ready':
        advance(message.seq);
        subscription.handlers.onReady?.(message.seq as number);
        return;
      case 'entry': {
        const entry = message.entry as LogEntry;
        advance(entry.seq);
        subscription.handlers.onMessage({ type: 'entry', entry });
        return;
      }
      case 'event': {
        const event = message.event as BusEvent;
        advance(event.seq);
        subscription.handlers.onMessage({ type: 'event', event });
        return;
      }
      case 'dropped':
        advance(message.toSeq);
        subscription.handlers.onMessage({
          type: 'dropped',
          count: message.count as number,
          fromSeq: message.fromSeq as number,
          toSeq: message.toSeq as number,
        });
        return;
      case 'error':
        subscription.handlers.onError?.(message.error as { code: string; message: string });
        return;
      default:
        return;
    }
  }

  #clearTimers(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#hideTimer !== null) clearTimeout(this.#hideTimer);
    this.#retryTimer = null;
    this.#hideTimer = null;
  }

  #closeSocket(): void {
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    try {
      socket.close(1000, 'closing');
    } catch {
      // Already closed.
    }
  }
}

/** The dashboard's `/ws` on this page's host; the browser sends the session cookie with the upgrade. */
export function liveUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws`;
}
