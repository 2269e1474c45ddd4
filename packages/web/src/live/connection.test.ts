import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, type LiveMessage, type LiveState, type SocketLike } from './connection';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code?: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;

  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code?: number): void {
    this.readyState = 3;
    this.onclose?.(code === undefined ? {} : { code });
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup(options: { random?: () => number; onUnauthorized?: () => void } = {}) {
  const sockets: FakeSocket[] = [];
  let hidden = false;
  const listeners = new Set<() => void>();
  const connection = new LiveConnection({
    url: () => 'ws://host/ws',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    random: options.random ?? (() => 0.5),
    ...(options.onUnauthorized === undefined ? {} : { onUnauthorized: options.onUnauthorized }),
    hiddenGraceMs: 1000,
    visibility: {
      hidden: () => hidden,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  });
  const states: LiveState[] = [];
  connection.onState((state) => states.push(state));
  const setHidden = (value: boolean) => {
    hidden = value;
    for (const listener of listeners) listener();
  };
  return {
    connection,
    sockets,
    states,
    setHidden,
    last: () => sockets[sockets.length - 1] as FakeSocket,
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the live connection', () => {
  it('does not retry a socket the server closed because the session ended (4401), and says so', () => {
    const unauthorized = vi.fn();
    const { connection, sockets, states, last } = setup({ onUnauthorized: unauthorized });
    connection.start();
    last().open();
    last().drop(4401);
    expect(unauthorized).toHaveBeenCalledTimes(1);
    expect(states.at(-1)).toBe('paused');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    // Signed in again: the app asks for a new connection at once.
    connection.reconnectNow();
    expect(sockets).toHaveLength(2);
  });

  it('carries every subscription over one socket and hands each its own messages', () => {
    const { connection, sockets, last } = setup();
    const logs: LiveMessage[] = [];
    const events: LiveMessage[] = [];
    connection.subscribe(
      { stream: 'logs', kind: 'task', id: 'nightly' },
      { onMessage: (m) => logs.push(m) },
    );
    connection.subscribe({ stream: 'events' }, { onMessage: (m) => events.push(m) });
    connection.start();
    last().open();
    expect(sockets).toHaveLength(1);
    expect(last().sent).toEqual([
      { type: 'subscribe', sub: 's1', stream: 'logs', kind: 'task', id: 'nightly' },
      { type: 'subscribe', sub: 's2', stream: 'events' },
    ]);
    last().receive({ sub: 's1', type: 'entry', entry: { seq: 7, line: 'hello' } });
    last().receive({ sub: 's2', type: 'event', event: { seq: 3, type: 'task.status', data: {} } });
    last().receive({ sub: 's9', type: 'entry', entry: { seq: 8 } });
    expect(logs).toEqual([{ type: 'entry', entry: { seq: 7, line: 'hello' } }]);
    expect(events).toHaveLength(1);

    const stop = connection.subscribe(
      { stream: 'logs', id: 'web' },
      { onMessage: () => undefined },
    );
    stop();
    expect(last().sent.slice(2)).toEqual([
      { type: 'subscribe', sub: 's3', stream: 'logs', id: 'web' },
      { type: 'unsubscribe', sub: 's3' },
    ]);
  });

  it('reconnects with growing, jittered delays and resumes each subscription from the last seq it saw', () => {
    const { connection, sockets, states, last } = setup();
    const resumed = vi.fn();
    connection.onResume(resumed);
    connection.subscribe({ stream: 'logs', since: 10 }, { onMessage: () => undefined });
    connection.start();
    last().open();
    expect(last().sent[0]).toMatchObject({ since: 10 });
    last().receive({ sub: 's1', type: 'ready', seq: 12 });
    last().receive({ sub: 's1', type: 'entry', entry: { seq: 15 } });

    last().drop();
    expect(states.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(374);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    last().drop();
    vi.advanceTimersByTime(749);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);

    last().open();
    expect(states.at(-1)).toBe('open');
    expect(last().sent).toEqual([{ type: 'subscribe', sub: 's1', stream: 'logs', since: 15 }]);
    expect(resumed).toHaveBeenCalledTimes(1);
    // A connection the server answers on starts the backoff over.
    last().receive({ sub: 's1', type: 'ready', seq: 15 });
    last().drop();
    vi.advanceTimersByTime(375);
    expect(sockets).toHaveLength(4);
  });

  it('keeps backing off from a server that opens the socket and closes it at once (at its connection limit)', () => {
    const { connection, sockets, last } = setup();
    connection.subscribe({ stream: 'logs' }, { onMessage: () => undefined });
    connection.start();
    const delays = [375, 750, 1500, 3000];
    for (const [i, delay] of delays.entries()) {
      last().open();
      last().drop();
      vi.advanceTimersByTime(delay - 1);
      expect(sockets).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(sockets).toHaveLength(i + 2);
    }
  });

  it('closes while the tab is hidden and catches up when it comes back', () => {
    const { connection, sockets, states, setHidden, last } = setup();
    const resumed = vi.fn();
    connection.onResume(resumed);
    connection.subscribe({ stream: 'events' }, { onMessage: () => undefined });
    connection.start();
    last().open();
    last().receive({ sub: 's1', type: 'event', event: { seq: 41, type: 'task.status', data: {} } });

    setHidden(true);
    vi.advanceTimersByTime(999);
    expect(last().closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(last().closed).toBe(true);
    expect(states.at(-1)).toBe('paused');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);

    setHidden(false);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', sub: 's1', stream: 'events', since: 41 }]);
    expect(resumed).toHaveBeenCalledTimes(1);
  });

  it('keeps the socket through a short glance away', () => {
    const { connection, sockets, setHidden, last } = setup();
    connection.start();
    last().open();
    setHidden(true);
    vi.advanceTimersByTime(500);
    setHidden(false);
    vi.advanceTimersByTime(5000);
    expect(last().closed).toBe(false);
    expect(sockets).toHaveLength(1);
  });

  it('does not connect while hidden at start, and stops for good on stop', () => {
    const { connection, sockets, setHidden, last } = setup();
    setHidden(true);
    connection.start();
    expect(sockets).toHaveLength(0);
    setHidden(false);
    expect(sockets).toHaveLength(1);
    last().open();
    connection.stop();
    expect(last().closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});
