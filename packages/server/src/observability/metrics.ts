import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreGate } from '../store/index.js';

export interface ServerMetrics {
  registry: Registry;
  configReloads: Counter;
}

/**
 * Prometheus metrics of the server itself, in a registry of its own (so
 * two servers in one process, as in tests, never share counters).
 */
export function createServerMetrics(gate: StoreGate, version: string): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    prefix: 'codedance_',
    // The event-loop delay histogram samples on a timer; prom-client's 10 ms default wakes an
    // idle server 100 times a second, which costs more than everything else it does at rest.
    eventLoopMonitoringPrecision: 100,
  });
  new Gauge({
    name: 'codedance_build_info',
    help: 'Always 1; the labels say which build runs.',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version, node: process.version }, 1);
  new Gauge({
    name: 'codedance_store_up',
    help: '1 when the store answered its last check, else 0.',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      this.set({ backend: gate.raw().backend }, gate.status().ok ? 1 : 0);
    },
  });
  const configReloads = new Counter({
    name: 'codedance_config_reloads_total',
    help: 'Configuration changes applied while running.',
    registers: [registry],
  });
  return { registry, configReloads };
}

/** Times every request by route pattern (never by raw URL, to bound label cardinality). */
export function installRequestMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  const duration = new Histogram({
    name: 'codedance_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['status'],
        summary: 'Prometheus metrics of the server itself',
        response: {
          200: {
            description: "Prometheus's text exposition format.",
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      void reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
