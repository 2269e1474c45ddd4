import { resolve } from 'node:path';
import {
  CodedanceError,
  isLoopbackName,
  isWildcardAddress,
  parsePublicHost,
  type Config,
} from '@codedance/core';
import { buildApp } from './app.js';
import { Access, privateDir } from './auth/index.js';
import { forgetServer, registerServer } from './auth/index.js';
import { ConfigRuntime } from './config/index.js';
import { dataDirProblem } from './config/index.js';
import { createServerMetrics } from './observability/index.js';
import { createServerLog } from './observability/index.js';
import { StoreGate } from './store/index.js';
import { createStore } from './store/index.js';
import { SystemMonitor } from './system/index.js';
import { VERSION } from './version.js';
import { createWorkloads } from './assembly.js';
import { runDemo, stopDemo, type DemoOptions } from './delivery/index.js';
import { systemDateClock } from './clock.js';

export interface StartOptions {
  /** The data folder: config.json, the SQLite file and logs live here. */
  dataDir: string;
  /** Command-line values; they outrank the environment and config.json. */
  flags?: { server?: { host?: string; port?: number }; store?: { url?: string } };
  /** Environment to read settings from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The environment workloads inherit (minus the server's secrets); defaults to `process.env`. */
  workloadEnv?: NodeJS.ProcessEnv;
  /** Copy warnings and errors to stderr (default true). */
  stderr?: boolean;
  /** Run the demo: the bundled shop app, a healthy release and a faulty one rolled back. */
  demo?: DemoOptions;
  /**
   * Record this server in the per-user registry (`$XDG_RUNTIME_DIR/codedance/servers/`),
   * so the CLI finds its credential from any folder (default true).
   */
  register?: boolean;
}

export interface RunningServer {
  /** Base URL, with the real port when port 0 was asked for. */
  url: string;
  dataDir: string;
  /**
   * A new one-time sign-in link for the dashboard (10 minutes, single use) on
   * the server's own address, or on the first of `server.publicHosts`.
   */
  loginLink: () => { url: string; expiresAt: Date };
  /** The file holding the generated admin token; null when the token is configured. */
  credentialFile: string | null;
  /** Stops accepting, finishes in-flight requests, closes the store. Safe to call twice. */
  close(reason?: string): Promise<void>;
  /** Resolves with the reason once the server has stopped, by `close` or `POST /api/server/kill`. */
  closed: Promise<string>;
}

/** True for addresses only this machine can reach. */
export const isLoopback = isLoopbackName;

/**
 * Where the links the server prints point: its loopback address when it
 * listens there (or everywhere), otherwise the first of
 * `server.publicHosts`, otherwise the address it listens on.
 */
export function linkBase(config: Config, port: number): string {
  const { host, publicHosts } = config.server;
  const bracket = (name: string) => (name.includes(':') ? `[${name}]` : name);
  if (isLoopbackName(host)) return `http://${bracket(host)}:${port}`;
  const first = publicHosts[0] === undefined ? null : parsePublicHost(publicHosts[0]);
  if (first !== null) return first.origin ?? `http://${bracket(first.name)}:${first.port ?? port}`;
  return `http://${isWildcardAddress(host) ? '127.0.0.1' : bracket(host)}:${port}`;
}

/**
 * Starts Codedance: loads configuration, opens the store (retrying in the
 * background if it is down, answering 503 meanwhile), starts monitoring and
 * listens. Throws CD_INVALID_CONFIG when the configuration cannot be used.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir);
  const dataProblem = await dataDirProblem(dataDir);
  if (dataProblem) {
    throw new CodedanceError('CD_INVALID_CONFIG', {
      message: `The data folder ${dataProblem.message}.`,
      details: { problems: [dataProblem] },
    });
  }
  // Everything below holds this user's data and credentials: nobody else may even list it.
  await privateDir(dataDir);
  const config = await ConfigRuntime.load({
    dataDir,
    env: options.env ?? process.env,
    flags: options.flags ?? {},
  });
  const boot = config.current();
  if (!isLoopback(boot.server.host) && boot.server.adminToken === null) {
    throw new CodedanceError('CD_INVALID_CONFIG', {
      message:
        `Refusing to listen on ${boot.server.host} without an admin token: anyone who can reach that address could ` +
        'control this machine. Set CODEDANCE_ADMIN_TOKEN (16+ characters) or listen on 127.0.0.1.',
      details: {
        problems: [
          {
            path: '/server/adminToken',
            message: `is required when server.host is ${boot.server.host}`,
          },
        ],
      },
    });
  }

  const log = createServerLog(boot, { stderr: options.stderr ?? true });
  const logger = log.logger;
  const store = createStore(boot.store.url);
  const gate = new StoreGate(store, logger);
  const monitor = new SystemMonitor({
    dataDir,
    intervalSeconds: boot.monitoring.interval,
    historySize: boot.monitoring.historySize,
  });
  const metrics = createServerMetrics(gate, VERSION);
  const access = await Access.open({
    dataDir,
    config: () => config.current(),
    store: () => gate.store(),
    logger: logger.child({ feature: 'auth' }),
  });

  config.on('change', (next, _previous, change) => {
    access.configure(next).catch((error: unknown) => {
      logger.error({ err: error }, 'the new admin token could not be applied');
    });
    log.setLevel(next.logging.level);
    monitor.setInterval(next.monitoring.interval);
    monitor.setHistorySize(next.monitoring.historySize);
    monitor.setEnabled(next.monitoring.enabled);
    metrics.configReloads.inc();
    logger.info(
      { changed: change.changed, pendingRestart: config.pendingRestart() },
      'configuration applied',
    );
  });
  config.on('invalid', (problems) => {
    logger.error(
      { problems, file: config.file },
      'config.json changed but is not valid; keeping the previous configuration',
    );
  });

  await gate.start();
  if (boot.monitoring.enabled) monitor.start();
  const workloads = createWorkloads({
    gate,
    config,
    logger,
    env: options.workloadEnv ?? process.env,
    dataDir,
  });
  const app = await buildApp({
    version: VERSION,
    startedAt: systemDateClock(),
    dataDir,
    config,
    gate,
    monitor,
    metrics,
    logger,
    logFile: () => log.file,
    workloads,
    access,
    kill: () => {
      void stop('kill', true);
    },
  });

  try {
    await app.listen({ host: boot.server.host, port: boot.server.port });
  } catch (error) {
    monitor.stop();
    await workloads.close().catch(() => undefined);
    await gate.close().catch(() => undefined);
    await log.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new CodedanceError('CD_INVALID_CONFIG', {
        message: `Cannot listen on ${boot.server.host}:${boot.server.port}: ${code === 'EADDRINUSE' ? 'the port is already in use' : (error as Error).message}.`,
        details: { problems: [{ path: '/server/port', message: `cannot listen (${code})` }] },
        cause: error,
      });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
      throw new CodedanceError('CD_INVALID_CONFIG', {
        message: `Cannot listen on ${boot.server.host}: no such address on this machine (${code}).`,
        details: { problems: [{ path: '/server/host', message: `cannot be resolved (${code})` }] },
        cause: error,
      });
    }
    throw error;
  }
  config.watch();
  const demo = new AbortController();
  let demoRun: Promise<void> | null = null;
  if (options.demo !== undefined) {
    const demoOptions = options.demo;
    const demoLogger = logger.child({ feature: 'demo' });
    demoRun = workloads
      .ready()
      .then(() =>
        runDemo(workloads.delivery(), workloads.services(), demoLogger, demoOptions, demo.signal),
      )
      .catch((error: unknown) => {
        demoLogger.error({ err: error }, 'the demo could not run');
      });
  }

  const address = app.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : boot.server.port;
  const host = boot.server.host.includes(':') ? `[${boot.server.host}]` : boot.server.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, dataDir, store: store.location, version: VERSION }, 'codedance started');
  const registered =
    options.register === false
      ? null
      : await registerServer({
          env: options.env ?? process.env,
          host: boot.server.host,
          port,
          entry: {
            url,
            dataDir,
            pid: process.pid,
            credential: access.credential.source() === 'file' ? access.credential.file : null,
          },
        }).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not record this server for the CLI');
          return null;
        });
  const base = linkBase(boot, port);
  let closing: Promise<void> | null = null;
  let closedResolve!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => {
    closedResolve = resolve;
  });

  return {
    url,
    dataDir,
    loginLink: () => access.loginLink(base),
    get credentialFile() {
      return access.credential.source() === 'file' ? access.credential.file : null;
    },
    close: (reason = 'shutdown') => stop(reason, false),
    closed,
  };

  /** Closes the server; with `halt`, every workload is stopped too instead of left running. */
  function stop(reason: string, halt: boolean): Promise<void> {
    closing ??= (async () => {
      logger.info({ reason }, 'codedance stopping');
      demo.abort();
      config.unwatch();
      monitor.stop();
      if (registered !== null) await forgetServer(registered).catch(() => undefined);
      await app.close();
      if (options.demo !== undefined) {
        // The demo's processes are this server's own: they end with it.
        await demoRun?.catch(() => undefined);
        await workloads
          .ready()
          .then(() => stopDemo(workloads.delivery(), workloads.services()))
          .catch((error: unknown) => {
            logger.error({ err: error }, 'stopping the demo failed');
          });
      }
      // Unless killed, other workloads keep running: the next server re-adopts them.
      await (halt ? workloads.halt() : workloads.close()).catch((error: unknown) => {
        logger.error({ err: error }, 'closing the workload controllers failed');
      });
      await gate.close().catch((error: unknown) => {
        logger.error({ err: error }, 'closing the store failed');
      });
      logger.info('codedance stopped');
      await log.close();
      closedResolve(reason);
    })();
    return closing;
  }
}
