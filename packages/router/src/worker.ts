import { RouterProxy } from './proxy.js';
import { RouterStats, type StatsPart } from './stats.js';
import type { RouteTable } from './table.js';

/** What the primary sends a worker over the cluster IPC channel. */
export type PrimaryMessage =
  | {
      type: 'init';
      listen: { host: string; port: number };
      timeoutMs: number | undefined;
      graceMs: number;
      revision: number;
      table: RouteTable;
    }
  | { type: 'table'; id: number; revision: number; table: RouteTable }
  | { type: 'stats'; id: number; from: number; to: number; withSamples: boolean }
  | { type: 'health'; id: number }
  | { type: 'close'; graceMs: number };

/** What a worker answers. */
export type WorkerMessage =
  | { type: 'hello' }
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'applied'; id: number; revision: number }
  | { type: 'stats'; id: number; part: StatsPart }
  | { type: 'health'; id: number; inFlight: number; closing: boolean };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * The body of one router worker process: a data plane that takes its table
 * and its orders from the primary. It says hello first, so no message is
 * sent before it listens for them.
 */
export function runWorker(): void {
  const stats = new RouterStats();
  let proxy: RouterProxy | undefined;
  let revision = -1;
  let graceMs = 10_000;
  let stopping: Promise<void> | undefined;

  const stop = (grace: number): Promise<void> => {
    stopping ??= (proxy?.close(grace) ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
    return stopping;
  };

  const start = async (init: Extract<PrimaryMessage, { type: 'init' }>) => {
    graceMs = init.graceMs;
    revision = init.revision;
    proxy = new RouterProxy({
      stats,
      table: init.table,
      ...(init.timeoutMs === undefined ? {} : { timeoutMs: init.timeoutMs }),
    });
    try {
      const address = await proxy.listen(init.listen.port, init.listen.host);
      send({ type: 'ready', port: address.port });
    } catch (error) {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    }
  };

  process.on('message', (message: PrimaryMessage) => {
    switch (message.type) {
      case 'init':
        void start(message);
        return;
      case 'table':
        // IPC keeps order, but an older table must never win over a newer one.
        if (message.revision >= revision) {
          revision = message.revision;
          proxy?.setTable(message.table);
        }
        send({ type: 'applied', id: message.id, revision });
        return;
      case 'stats':
        send({
          type: 'stats',
          id: message.id,
          part: stats.part(message.from, message.to, message.withSamples),
        });
        return;
      case 'health':
        send({
          type: 'health',
          id: message.id,
          inFlight: proxy?.inFlight ?? 0,
          closing: proxy?.closing ?? false,
        });
        return;
      case 'close':
        void stop(message.graceMs);
        return;
    }
  });
  // The primary is gone: nobody hands this worker connections any more.
  process.on('disconnect', () => void stop(graceMs));
  // A signal to the whole process group (Ctrl-C) drains here too.
  process.on('SIGTERM', () => void stop(graceMs));
  process.on('SIGINT', () => void stop(graceMs));
  send({ type: 'hello' });
}
