import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { ApiError, notifyUnauthorized } from '../api/client';
import type { BusEvent } from '../api/types';
import {
  LiveConnection,
  liveUrl,
  type LiveHandlers,
  type LiveRequest,
  type LiveState,
} from './connection';

interface Live {
  connection: LiveConnection;
  state: LiveState;
}

const LiveContext = createContext<Live | null>(null);

/** The query keys an event makes stale: the list and the one object it is about. */
export function staleKeys(event: BusEvent): unknown[][] {
  const data = event.data;
  const id = typeof data.id === 'string' ? data.id : null;
  const name = typeof data.name === 'string' ? data.name : null;
  if (event.type.startsWith('task.')) {
    return [['tasks'], ...(id === null ? [] : [['task', id]])];
  }
  if (event.type.startsWith('service.')) {
    return [['services'], ...(name === null ? [] : [['service', name]])];
  }
  if (event.type === 'deployment.status') {
    return [
      ['deployments'],
      ['deployment-counts'],
      ['canaries'],
      ...(id === null ? [] : [['deployment', id]]),
    ];
  }
  // A release moving on changes that release and the canary view, never a count or a list row:
  // a live release does not refetch the overview's lists at every look.
  if (event.type.startsWith('deployment.')) {
    return [['canaries'], ...(id === null ? [] : [['deployment', id]])];
  }
  return [];
}

/** The newest events shown on the overview; kept in the query cache under this key. */
export const RECENT_EVENTS_KEY = ['events', 'recent'] as const;
const RECENT_EVENTS_KEPT = 30;

/**
 * Marks stale what events say changed, a few at a time: a burst of events
 * becomes one refetch per query instead of one per event.
 */
function invalidator(client: QueryClient): (event: BusEvent) => void {
  const pending = new Map<string, unknown[]>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return (event) => {
    if (event.type !== 'workload.log') {
      client.setQueryData<{ events: BusEvent[] }>(RECENT_EVENTS_KEY, (old) =>
        old === undefined
          ? old
          : {
              events: [event, ...old.events.filter((e) => e.seq !== event.seq)].slice(
                0,
                RECENT_EVENTS_KEPT,
              ),
            },
      );
    }
    for (const key of staleKeys(event)) pending.set(JSON.stringify(key), key);
    if (timer !== null || pending.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      const keys = [...pending.values()];
      pending.clear();
      for (const queryKey of keys) void client.invalidateQueries({ queryKey });
    }, 250);
  };
}

/**
 * Opens the tab's one live connection, keeps the query cache fresh from its
 * events, and refetches what is on screen when the connection comes back.
 */
export function LiveProvider({
  children,
  connection: given,
}: {
  children: ReactNode;
  connection?: LiveConnection;
}) {
  const client = useQueryClient();
  const ref = useRef<LiveConnection | null>(null);
  ref.current ??=
    given ??
    new LiveConnection({
      url: liveUrl,
      onUnauthorized: () => {
        notifyUnauthorized(new ApiError(401, 'CD_SESSION_ENDED', 'The session has ended.'));
      },
    });
  const connection = ref.current;
  const [state, setState] = useState<LiveState>(connection.state);

  useEffect(() => {
    const stopState = connection.onState(setState);
    const stopResume = connection.onResume(() => {
      void client.invalidateQueries();
    });
    const onEvent = invalidator(client);
    const stopEvents = connection.subscribe(
      { stream: 'events' },
      {
        onMessage: (message) => {
          if (message.type === 'event') onEvent(message.event);
        },
      },
    );
    connection.start();
    return () => {
      stopEvents();
      stopState();
      stopResume();
      connection.stop();
    };
  }, [connection, client]);

  const value = useMemo(() => ({ connection, state }), [connection, state]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

function useLive(): Live {
  const value = useContext(LiveContext);
  if (value === null) throw new Error('live hooks need a LiveProvider');
  return value;
}

export function useLiveState(): LiveState {
  return useLive().state;
}

export function useLiveConnection(): LiveConnection {
  return useLive().connection;
}

/**
 * Follows one stream while `request` is not null. A new request (compared by
 * value) ends the old subscription and starts another; the handlers may
 * change on every render.
 */
export function useLiveSubscription(request: LiveRequest | null, handlers: LiveHandlers): void {
  const { connection } = useLive();
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  const key = request === null ? null : JSON.stringify(request);
  useEffect(() => {
    if (key === null) return;
    return connection.subscribe(JSON.parse(key) as LiveRequest, {
      onMessage: (message) => {
        handlersRef.current.onMessage(message);
      },
      onReady: (seq) => handlersRef.current.onReady?.(seq),
      onError: (error) => handlersRef.current.onError?.(error),
    });
  }, [connection, key]);
}
