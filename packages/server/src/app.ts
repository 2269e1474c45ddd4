import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { fastifyWebsocket } from '@fastify/websocket';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import { secretValues } from '@codedance/core';
import { accessRoutes, installAccess, type Access } from './auth/index.js';
import { dateClockOf, systemClock, type Clock } from './clock.js';
import { UsageMeter, installRateLimits, usageRoutes } from './quota/index.js';
import { AuditTrail, auditRoutes, installAuditTrail } from './audit/index.js';
import type { ConfigRuntime } from './config/index.js';
import { dashboardDir, dashboardNotFound, dashboardRoutes } from './dashboard/index.js';
import { frameworkErrors, installErrorHandling } from './http/index.js';
import { installJsonBodies, validatorCompiler } from './http/index.js';
import { installRequestMetrics, type ServerMetrics } from './observability/index.js';
import { serverLogRoutes } from './observability/index.js';
import { serviceRoutes } from './services/index.js';
import { settingsRoutes } from './settings/index.js';
import { killRoute, statusRoutes } from './status/index.js';
import type { StoreGate } from './store/index.js';
import { MAX_CLIENT_MESSAGE, eventRoutes, liveRoutes } from './events/index.js';
import { systemRoutes, type SystemMonitor } from './system/index.js';
import { taskRoutes } from './tasks/index.js';
import { transferRoutes } from './transfer/index.js';
import type { Workloads } from './assembly.js';
import { logRoutes } from './logs/index.js';
import { deliveryRoutes } from './delivery/index.js';

/** What the HTTP layer is given; it owns none of these and closes none of them. */
export interface AppContext {
  version: string;
  startedAt: Date;
  dataDir: string;
  config: ConfigRuntime;
  gate: StoreGate;
  monitor: SystemMonitor;
  metrics: ServerMetrics;
  logger: Logger;
  logFile: () => string;
  workloads: Workloads;
  /** The admin credential, sessions and sign-in links. */
  access: Access;
  /** The built dashboard; found through the installed `@codedance/web` package when absent. */
  dashboardDir?: string | null;
  /** The time rate limits count by; the system clock when absent. */
  clock?: Clock;
  /** Stops every workload and the server (`POST /api/server/kill`); absent, the route is too. */
  kill?: () => void;
}

/** Builds the Fastify application: every route, the OpenAPI document, auth, errors. */
export async function buildApp(context: AppContext): Promise<FastifyInstance> {
  const { config } = context;
  const boot = config.current();
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger at run time; say so once so plugins take the plain instance type.
    loggerInstance: context.logger as unknown as FastifyBaseLogger,
    bodyLimit: boot.server.bodyLimit,
    // Hostile input must not reach a handler as a prototype change.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Requests are logged once, by our own hook, at debug level.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
    routerOptions: { maxParamLength: 200 },
    // Our own 503 (CD_SHUTTING_DOWN) answers requests that come while closing: see installErrorHandling.
    return503OnClosing: false,
    // Behind a proxy, X-Forwarded-Proto says whether the browser used TLS (the cookie's Secure flag).
    trustProxy: boot.server.trustProxy,
  });
  // Ajv turns each schema into generated code. Doing that when a route is first used, rather
  // than for every route at start-up, saves the server most of that time and memory: a given
  // server is asked only a few of its routes.
  app.setValidatorCompiler((route) => {
    let check: ReturnType<typeof validatorCompiler> | undefined;
    return (data) => (check ??= validatorCompiler(route))(data);
  });
  installJsonBodies(app);
  const dashboard = context.dashboardDir === undefined ? dashboardDir() : context.dashboardDir;
  installErrorHandling(app, { notFoundPage: dashboardNotFound(dashboard) });
  // A route that takes no query parameters refuses unknown ones instead of ignoring them.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs') || route.method === 'HEAD' || route.method === 'OPTIONS')
      return;
    const schema = (route.schema ??= {});
    schema.querystring ??= Type.Object({}, { additionalProperties: false });
  });

  const { access } = context;
  if (boot.websocket.enabled) {
    // Before the access hooks: the plugin's own hook marks upgrade requests, so that a
    // refused one (401, 421, 403) has its socket closed after the answer.
    await app.register(fastifyWebsocket, { options: { maxPayload: MAX_CLIENT_MESSAGE } });
    access.sockets.watch(app.websocketServer);
  }
  await installAccess(app, { access, config: () => config.current() });
  installRateLimits(app, {
    limits: () => config.current().server.rateLimit,
    clock: context.clock ?? systemClock,
  });
  const trail = new AuditTrail(() => context.gate.store(), context.logger);
  installAuditTrail(app, trail);
  const meter = new UsageMeter(
    () => context.gate.store(),
    dateClockOf(context.clock ?? systemClock),
    context.logger,
  );
  meter.start();
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.principal !== null) meter.count(request.principal.tenant, 'api_calls');
    done();
  });
  app.addHook('onClose', () => meter.stop());

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Codedance API',
        version: context.version,
        description:
          'Release and run software. Every error answer is `{ "error": { "code", "message", "details"? } }` with a stable code.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'The admin token: server.adminToken / CODEDANCE_ADMIN_TOKEN when set, otherwise the one the server generated in <data>/credentials/admin-token.',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'codedance_session_<port>',
            description:
              "The dashboard's session cookie (HttpOnly, SameSite=Strict), from GET /login?code=… or POST /api/auth/session.",
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      tags: [
        { name: 'status', description: 'Health, status and metrics of Codedance itself' },
        { name: 'auth', description: 'Signing in and out, sign-in links, the admin token' },
        { name: 'system', description: 'The host: CPU, memory, disk, processes' },
        { name: 'settings', description: 'Configuration and storage' },
        { name: 'tasks', description: 'Scheduled and on-demand tasks (seed 004)' },
        { name: 'services', description: 'Supervised long-running services (PM2-like)' },
        { name: 'logs', description: 'Workload logs' },
        { name: 'transfer', description: 'Export and import' },
        { name: 'events', description: 'What workloads did, newest first; live over /ws' },
        { name: 'audit', description: 'Who changed what, from where, with what result' },
        { name: 'usage', description: 'What each tenant used, per hour or day' },
      ],
    },
    // @fastify/websocket hides WebSocket routes from the document; they are part of the API.
    transform: ({ schema, url, route }) => ({
      schema: route.websocket === true ? { ...schema, hide: false } : schema,
      url,
    }),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  accessRoutes(app, { access, config: () => config.current() });
  installRequestMetrics(app, context.metrics);

  app.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'debug';
    // Every request passes here: at INFO, build nothing. Request loggers are children of
    // this one with no level of their own, and FastifyBaseLogger does not type isLevelEnabled.
    if (!context.logger.isLevelEnabled(level)) return;
    request.log[level](
      {
        method: request.method,
        url: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  auditRoutes(app, { trail });
  usageRoutes(app, { meter });
  statusRoutes(app, { gate: context.gate, version: context.version, startedAt: context.startedAt });
  if (context.kill !== undefined) killRoute(app, context.kill);
  settingsRoutes(app, {
    config,
    gate: context.gate,
    dataDir: context.dataDir,
    logFile: context.logFile,
  });
  serverLogRoutes(app, { logFile: context.logFile });
  systemRoutes(app, {
    monitor: context.monitor,
    dataDir: context.dataDir,
    maxProcesses: () => config.current().monitoring.maxProcesses,
    secrets: () => workloadSecrets(context.workloads),
  });

  const { workloads } = context;
  eventRoutes(app, { bus: workloads.bus });
  if (boot.websocket.enabled) {
    await liveRoutes(app, {
      hub: workloads.hub,
      bus: workloads.bus,
      heartbeatSeconds: () => config.current().websocket.heartbeat,
      limits: () => config.current().websocket,
    });
  }
  taskRoutes(app, { tasks: workloads.tasks });
  serviceRoutes(app, {
    services: workloads.services,
    releases: () => workloads.delivery().releaseRoles(),
  });
  logRoutes(app, { hub: () => workloads.hub });
  await deliveryRoutes(app, { delivery: workloads.delivery });
  transferRoutes(app, {
    tasks: workloads.tasks,
    hub: () => workloads.hub,
    jobs: workloads.jobs,
    config: () => config.current(),
    version: context.version,
    services: () => {
      const supervisor = workloads.services();
      return {
        specs: () => supervisor.specs(),
        create: (spec) => supervisor.create(spec, { start: true }),
        update: (name, spec) => supervisor.update(name, spec, undefined, { wait: false }),
      };
    },
  });

  await dashboardRoutes(app, { dir: dashboard });

  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}

/** Every secret value the workloads hold; none while they are still loading. */
function workloadSecrets(workloads: Workloads): string[] {
  try {
    return [
      ...workloads
        .tasks()
        .specs()
        .flatMap((spec) => secretValues(spec.environment)),
      ...workloads
        .services()
        .specs()
        .flatMap((spec) => secretValues(spec.env)),
    ].sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}
