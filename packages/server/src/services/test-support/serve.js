// Plays `codedance server` for the service tests, from the built code
// (run `npx tsc -b` first): the store, runtime, log hub, event bus and
// service supervisor of a data folder, with the service API and /ws/logs.
// Usage: node serve.js <data folder> [port]. Prints "listening on <url>".
// SIGTERM shuts down as the server does: processes keep running.
import { join } from 'node:path';
import process, { argv, env, exit, stderr, stdout } from 'node:process';
import { URL } from 'node:url';
import Fastify from 'fastify';
import { fastifyWebsocket } from '@fastify/websocket';
import { pino } from 'pino';

const dist = new URL('../../../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { ServiceSupervisor, serviceRoutes } = await load('services/index.js');
const { LogHub, logRoutes } = await load('logs/index.js');
const { EventBus, liveRoutes } = await load('events/index.js');
const { LocalProcesses } = await load('runtime/index.js');
const { StoreGate } = await load('store/index.js');
const { createStore } = await load('store/index.js');
const { frameworkErrors, installErrorHandling } = await load('http/errors.js');
const { installJsonBodies, validatorCompiler } = await load('http/validation.js');
const { Access, installAccess } = await load('auth/index.js');
const { defaultConfig } = await import('@codedance/core');

const dataDir = argv[2];
if (!dataDir) {
  stderr.write('usage: serve.js <data folder> [port]\n');
  exit(2);
}
const logger = pino({ level: 'silent' });
const gate = new StoreGate(createStore(`sqlite:${join(dataDir, 'store.db')}`), logger, 60_000);
await gate.start();
const runtime = new LocalProcesses({ adoptionPollMs: 100 });
const logsDir = join(dataDir, 'logs');
const hub = new LogHub({
  dir: logsDir,
  journal: { maxSize: 10 * 1024 * 1024, maxFiles: 2 },
  pollMs: 100,
});
const bus = new EventBus();
const services = new ServiceSupervisor({
  gate,
  runtime,
  hub,
  tenant: 'default',
  bus: bus.tenant('default'),
  logger,
  logsDir,
  env,
  sampleMs: 500,
});
await services.start();

const app = Fastify({ logger: false, frameworkErrors });
app.setValidatorCompiler(validatorCompiler);
installJsonBodies(app);
installErrorHandling(app);
// The server's own access rules: the CLI signs in with the token written to <data>/credentials.
const config = defaultConfig(dataDir);
const access = await Access.open({
  dataDir,
  config: () => config,
  store: () => gate.store(),
  logger,
});
// The WebSocket plugin first, as the server does, so that refused upgrades are closed.
await app.register(fastifyWebsocket);
access.sockets.watch(app.websocketServer);
await installAccess(app, { access, config: () => config });
serviceRoutes(app, { services: () => services });
logRoutes(app, { hub: () => hub });
await liveRoutes(app, {
  hub,
  bus,
  heartbeatSeconds: () => 30,
  limits: () => config.websocket,
});
await app.listen({ host: '127.0.0.1', port: Number(argv[3] ?? 0) });
const { port } = app.server.address();
stdout.write(`listening on http://127.0.0.1:${port}\n`);

process.once('SIGTERM', async () => {
  await app.close();
  await services.close();
  await hub.close();
  runtime.close();
  bus.close();
  await gate.close();
  exit(0);
});
