import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, HealthSchema, StatusSchema } from '@codedance/api';
import type { StoreInfo } from '../store/index.js';
import type { StoreGate } from '../store/index.js';
import { systemClock } from '../clock.js';

export interface StatusRoutesOptions {
  gate: StoreGate;
  version: string;
  startedAt: Date;
  /**
   * How long `/api/status` reuses the store's info (5000 ms by default): it
   * counts every kind, and on Redis that scans keys.
   */
  infoTtlMs?: number;
  /** Milliseconds since the epoch; `Date.now` by default. */
  clock?: () => number;
}

/** Liveness and readiness (`/health`) and the server's own status (`/api/status`). */
export function statusRoutes(app: FastifyInstance, options: StatusRoutesOptions): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { gate } = options;
  const clock = options.clock ?? systemClock;
  const storeInfo = reusedFor(options.infoTtlMs ?? 5000, clock, () => gate.raw().info());

  api.get(
    '/health',
    {
      config: { access: 'optional' },
      schema: {
        tags: ['status'],
        summary: 'Liveness, and readiness of the store',
        description:
          'Answers 200 when the server and its store are ready, 503 when the store cannot be reached. Anyone may ask; only a signed-in caller is told more than `status` (the store, its latency and its error).',
        security: [],
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (request, reply) => {
      const health = await gate.check();
      if (request.principal === null) {
        if (!health.ok) void reply.status(503).header('retry-after', '2');
        return { status: health.ok ? ('ok' as const) : ('unavailable' as const) };
      }
      const store = {
        backend: gate.raw().backend,
        ok: health.ok,
        latencyMs: health.latencyMs,
        checkedAt: health.checkedAt,
        ...(health.error ? { error: health.error } : {}),
      };
      if (health.ok) return { status: 'ok' as const, live: true, ready: true, store };
      const error = health.error ?? {
        code: 'CD_STORE_UNAVAILABLE',
        message: 'The store cannot be reached.',
      };
      void reply.header('retry-after', '2');
      return reply
        .status(503)
        .send({ status: 'unavailable' as const, live: true, ready: false, store, error });
    },
  );

  api.get(
    '/api/status',
    {
      schema: {
        tags: ['status'],
        summary: 'Version, uptime, store and object counts',
        response: { 200: StatusSchema, '4xx': ErrorResponse },
      },
    },
    async () => {
      const health = gate.status();
      let schemaVersion: number | null = null;
      let latestSchemaVersion: number | null = null;
      let counts: Record<string, number> | null = null;
      let error = health.error;
      if (health.opened) {
        try {
          const info = await storeInfo();
          schemaVersion = info.schemaVersion;
          latestSchemaVersion = info.latestSchemaVersion;
          counts = info.kinds;
        } catch (cause) {
          error = { code: 'CD_STORE_UNAVAILABLE', message: (cause as Error).message };
        }
      }
      return {
        name: 'codedance',
        version: options.version,
        uptimeSeconds: Math.round((clock() - options.startedAt.getTime()) / 100) / 10,
        startedAt: options.startedAt.toISOString(),
        pid: process.pid,
        node: process.version,
        store: {
          backend: gate.raw().backend,
          location: gate.raw().location,
          ok: health.ok && error === null,
          schemaVersion,
          latestSchemaVersion,
          ...(error ? { error } : {}),
        },
        counts,
      };
    },
  );
}

/**
 * `read()` at most once per `ttlMs`: calls in that time, and calls made while
 * a read is under way, share its answer. A failed read is not kept.
 */
function reusedFor(
  ttlMs: number,
  clock: () => number,
  read: () => Promise<StoreInfo>,
): () => Promise<StoreInfo> {
  let kept: { at: number; info: Promise<StoreInfo> } | null = null;
  return () => {
    const now = clock();
    if (kept !== null && now - kept.at < ttlMs) return kept.info;
    const entry = { at: now, info: read() };
    kept = entry;
    entry.info.catch(() => {
      if (kept === entry) kept = null;
    });
    return entry.info;
  };
}
