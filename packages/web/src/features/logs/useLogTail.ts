import { useCallback, useEffect, useRef, useState } from 'react';
import { api, withQuery } from '../../api/client';
import type { LogEntry } from '../../api/types';
import { useLiveSubscription } from '../../live/LiveProvider';

export interface LogSourceFilter {
  kind?: 'task' | 'service';
  id?: string;
  run?: string;
  instance?: number;
}

/** Lines kept on screen; older ones remain in the server's journal and the export. */
export const KEPT_LINES = 2000;

/** Adds entries to a list ordered by seq, without duplicates, keeping the newest `kept`. */
export function mergeEntries(
  current: readonly LogEntry[],
  incoming: readonly LogEntry[],
  kept = KEPT_LINES,
): LogEntry[] {
  if (incoming.length === 0) return current as LogEntry[];
  const bySeq = new Map<number, LogEntry>();
  for (const entry of current) bySeq.set(entry.seq, entry);
  for (const entry of incoming) bySeq.set(entry.seq, entry);
  const merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return merged.length > kept ? merged.slice(merged.length - kept) : merged;
}

function backlogPath(filter: LogSourceFilter, limit: number): string {
  return withQuery('/api/logs', {
    task: filter.kind === 'task' ? filter.id : undefined,
    service: filter.kind === 'service' ? filter.id : undefined,
    run: filter.run,
    instance: filter.instance,
    limit,
  });
}

/**
 * A live tail ("list, then watch"): the newest lines from `GET /api/logs`,
 * then everything after them over the tab's live socket. Fetching the list
 * again once the subscription is live closes the gap between the two.
 * While `paused`, new lines wait and are counted; they show on resume.
 */
export function useLogTail(
  filter: LogSourceFilter | null,
  options: { paused?: boolean; backlog?: number } = {},
) {
  const backlog = options.backlog ?? 200;
  const key = filter === null ? null : JSON.stringify(filter);
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [waiting, setWaiting] = useState<LogEntry[]>([]);
  const [since, setSince] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [dropped, setDropped] = useState(0);
  const paused = options.paused === true;
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  const fetchBacklog = useCallback(async () => {
    if (key === null) return [];
    const answer = await api<{ entries: LogEntry[] }>(
      backlogPath(JSON.parse(key) as LogSourceFilter, backlog),
    );
    return [...answer.entries].reverse();
  }, [key, backlog]);

  useEffect(() => {
    setEntries([]);
    setWaiting([]);
    setSince(null);
    setLoaded(false);
    setError(null);
    setDropped(0);
    if (key === null) return;
    let cancelled = false;
    fetchBacklog().then(
      (list) => {
        if (cancelled) return;
        setEntries(list);
        setSince(list.at(-1)?.seq ?? 0);
        setLoaded(true);
      },
      (cause: unknown) => {
        if (!cancelled) setError(cause);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key, fetchBacklog]);

  const add = useCallback((incoming: LogEntry[]) => {
    if (pausedRef.current) setWaiting((list) => mergeEntries(list, incoming));
    else setEntries((list) => mergeEntries(list, incoming));
  }, []);

  useEffect(() => {
    if (paused || waiting.length === 0) return;
    setEntries((list) => mergeEntries(list, waiting));
    setWaiting([]);
  }, [paused, waiting]);

  const parsed = key === null ? null : (JSON.parse(key) as LogSourceFilter);
  useLiveSubscription(
    loaded && parsed !== null
      ? {
          stream: 'logs',
          ...parsed,
          // After an empty list, follow live only; the refetch on ready fills the gap.
          ...(since !== null && since > 0 ? { since } : {}),
        }
      : null,
    {
      onMessage: (message) => {
        if (message.type === 'entry') add([message.entry]);
        else if (message.type === 'dropped') setDropped((n) => n + message.count);
      },
      onReady: () => {
        fetchBacklog().then(add, () => undefined);
      },
    },
  );

  const clear = useCallback(() => {
    setEntries([]);
    setWaiting([]);
    setDropped(0);
  }, []);

  return { entries, waiting: waiting.length, loaded, error, dropped, clear };
}
