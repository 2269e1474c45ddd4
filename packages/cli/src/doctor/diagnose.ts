import { isHealthAnswer } from '../api.js';
import { ApiError, isUnreachable, unreachableReason, type ApiClient } from '../client.js';
import {
  LOG_LIMIT,
  checkAuth,
  checkConfig,
  checkDisk,
  checkLog,
  checkNode,
  checkPort,
  checkServer,
  checkStore,
  urlPort,
} from './checks.js';
import type {
  CheckResult,
  ConfigReading,
  DiskReading,
  Fetched,
  HealthProbe,
  LogReading,
} from './facts.js';
import { probePort, readLocalConfig, readLocalDisk, readLocalLog } from './local.js';

export interface DiagnoseOptions {
  client: ApiClient;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  tokenGiven: boolean;
  nodeVersion: string;
  now: () => Date;
  /** For the bare TCP probe of the port. */
  probeTimeoutMs: number;
}

/** Asks `/health`; any HTTP answer counts as reachable, and its shape tells Codedance from another program. */
export async function probeHealth(client: ApiClient): Promise<HealthProbe> {
  try {
    const answer = await client.raw('GET', '/health');
    return isHealthAnswer(answer.body)
      ? { kind: 'codedance', httpStatus: answer.status, body: answer.body }
      : { kind: 'foreign', httpStatus: answer.status };
  } catch (error) {
    if (isUnreachable(error)) return { kind: 'unreachable', reason: unreachableReason(error) };
    throw error;
  }
}

/** Settles an API call into a value or the reason there is none. */
export async function fetched<T>(call: Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    if (isUnreachable(error))
      return { ok: false, status: null, code: 'CD_UNREACHABLE', message: unreachableReason(error) };
    if (error instanceof ApiError)
      return { ok: false, status: error.status, code: error.code, message: error.message };
    throw error;
  }
}

async function fromServer(client: ApiClient) {
  const [status, storage, system, config, log] = await Promise.all([
    fetched(client.status()),
    fetched(client.settings.storage()),
    fetched(client.system.info()),
    fetched(client.settings.validate({})),
    fetched(client.system.serverLog({ level: 'ERROR', limit: LOG_LIMIT })),
  ]);
  const configReading: ConfigReading = {
    source: 'server',
    file: storage.ok ? storage.value.configFile : 'config.json',
    report: config,
  };
  const logReading: LogReading = log.ok
    ? { source: 'server', file: log.value.file, lines: log.value.lines }
    : { source: 'server', file: null, error: `${log.message} (${log.code})` };
  return { status, storage, system, configReading, logReading };
}

async function fromLocalFiles(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ config: ConfigReading; log: LogReading }> {
  try {
    const { reading, logFile } = await readLocalConfig(dataDir, env);
    return { config: reading, log: await readLocalLog(logFile, LOG_LIMIT) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const file = `${dataDir}/config.json`;
    return {
      config: {
        source: 'local',
        file,
        report: { ok: false, status: null, code: 'CD_CLI_ERROR', message },
      },
      log: { source: 'local', file: null, error: message },
    };
  }
}

/**
 * Runs every check in order. With the server up, facts come from its API;
 * with it down, from the local data folder, which is where the reason it
 * stopped is written.
 */
export async function diagnose(options: DiagnoseOptions): Promise<CheckResult[]> {
  const { client } = options;
  const health = await probeHealth(client);
  const node = checkNode(options.nodeVersion);
  const server = checkServer(client.baseUrl, health);

  if (health.kind === 'codedance') {
    const facts = await fromServer(client);
    const disk: DiskReading = facts.system.ok
      ? { source: 'server', facts: facts.system.value.disk }
      : await readLocalDisk(options.dataDir);
    return [
      node,
      server,
      checkAuth(health, facts.status, options.tokenGiven),
      checkStore(health, facts.storage),
      checkDisk(disk),
      checkPort(client.baseUrl, health, null),
      checkConfig(facts.configReading),
      checkLog(facts.logReading, options.now()),
    ];
  }

  const { host, port } = urlPort(client.baseUrl);
  const [disk, portProbe, local] = await Promise.all([
    readLocalDisk(options.dataDir),
    health.kind === 'unreachable'
      ? probePort(host, port, options.probeTimeoutMs)
      : Promise.resolve(null),
    fromLocalFiles(options.dataDir, options.env),
  ]);
  return [
    node,
    server,
    checkAuth(health, null, options.tokenGiven),
    checkStore(health, null),
    checkDisk(disk),
    checkPort(client.baseUrl, health, portProbe),
    checkConfig(local.config),
    checkLog(local.log, options.now()),
  ];
}
