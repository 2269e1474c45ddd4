// Drives Codedance through its HTTP API and CLI, as a user would.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killGroup, onCleanup, RUN_MARKER, runEnv } from '../cleanup.mjs';
import { isAlive, processTree } from '../measure/proc.mjs';
import { until } from '../measure/wait.mjs';
import { TailProcess } from './tail.mjs';

export class Codedance {
  key = 'codedance';
  label = 'Codedance';

  /**
   * @param {{ root: string, folder: string, fixtures: string }} options
   *   root: the repository; folder: a fresh temporary folder for this server's data.
   */
  constructor({ root, folder, fixtures }) {
    this.root = root;
    this.dataDir = join(folder, 'data');
    this.serverLog = join(folder, 'server.log');
    this.fixtures = fixtures;
    this.cli = join(root, 'packages/cli/bin/codedance.js');
  }

  async boot() {
    const log = openSync(this.serverLog, 'a');
    const child = spawn(
      process.execPath,
      [this.cli, 'server', '--port', '0', '--data', this.dataDir],
      { cwd: this.root, env: runEnv(), detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.pid = child.pid;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    onCleanup('stop the Codedance server', () => this.shutdown());
    this.url = await until(
      () => {
        if (!isAlive(this.pid)) throw new Error(`Codedance server exited:\n${this.#logTail()}`);
        return /Codedance listening on (\S+)/.exec(readFileSync(this.serverLog, 'utf8'))?.[1];
      },
      { everyMs: 20, timeoutMs: 30_000, what: 'Codedance to listen' },
    );
    // Whatever the server runs beside itself before it has services counts as the supervisor too.
    this.helpers = processTree(this.pid).filter((pid) => pid !== this.pid);
  }

  /** The processes whose memory and CPU are the supervisor's. */
  supervisorPids() {
    return [this.pid, ...this.helpers];
  }

  /** The admin token the server wrote to its data folder, read as the CLI on this host reads it. */
  get #tokenFile() {
    return join(this.dataDir, 'credentials', 'admin-token');
  }

  get #auth() {
    return { authorization: `Bearer ${readFileSync(this.#tokenFile, 'utf8').trim()}` };
  }

  async #request(method, path, body) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers:
        body === undefined ? this.#auth : { ...this.#auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    }
    return text === '' ? null : JSON.parse(text);
  }

  #spec(fields) {
    return {
      command: process.execPath,
      instances: 1,
      restart: 'always',
      ...fields,
      env: { [RUN_MARKER.name]: RUN_MARKER.value, ...fields.env },
    };
  }

  /** Defines and starts every service at once: one POST each, all in flight together. */
  async startServices(services) {
    await Promise.all(
      services.map(({ name, port }) =>
        this.#request(
          'POST',
          '/api/services?start=true',
          this.#spec({
            name,
            args: [join(this.fixtures, 'http-service.mjs')],
            port,
            readiness: { type: 'http', path: '/' },
          }),
        ),
      ),
    );
  }

  /** name → { pid, online, restarts } of instance 0, as Codedance reports it. */
  async instances() {
    const { services } = await this.#request('GET', '/api/services');
    return new Map(
      services.map((s) => {
        const i = s.instances[0];
        return [
          s.name,
          { pid: i?.pid ?? null, online: i?.state === 'online', restarts: i?.restarts ?? 0 },
        ];
      }),
    );
  }

  async startBurst(name, lines) {
    await this.#request(
      'POST',
      '/api/services?start=true',
      this.#spec({
        name,
        args: [join(this.fixtures, 'log-burst.mjs')],
        env: { LINES: String(lines) },
      }),
    );
  }

  /** The file the service's instance 0 writes its stdout to. */
  /**
   * Asks once what `ingested` will ask, before the burst's CPU is counted: the
   * server compiles a route's validator the first time the route is used, and
   * that one-time cost belongs to the harness's question, not to the burst.
   */
  async warmUp(name) {
    const response = await fetch(
      `${this.url}/api/services/${encodeURIComponent(name)}/logs?limit=1`,
      { headers: this.#auth },
    );
    await response.text();
  }

  /**
   * True once the server has read the burst's last line back from the file
   * and made it a log entry: its newest entry for the service is that line.
   */
  async ingested(name, lines) {
    const { entries } = await this.#request(
      'GET',
      `/api/services/${encodeURIComponent(name)}/logs?limit=1`,
    );
    return entries[0]?.line.startsWith(`burst-line ${lines} `) ?? false;
  }

  async logFile(name) {
    return join(this.dataDir, 'logs', 'services', name, '0.out.log');
  }

  /** A live tail over /ws/logs in its own process, ready once the server says it is subscribed. */
  async tail(name, expected) {
    const tail = new TailProcess(
      process.execPath,
      [join(this.fixtures, 'ws-tail.mjs'), this.url, name, this.#tokenFile],
      runEnv(),
      expected,
    );
    await until(() => tail.stderr.includes('ready\n'), {
      timeoutMs: 10_000,
      what: 'the WebSocket tail',
    });
    return tail;
  }

  async remove(name) {
    await this.#request('DELETE', `/api/services/${encodeURIComponent(name)}`);
  }

  /** Deletes every service, which stops its processes. */
  async removeAll() {
    const { services } = await this.#request('GET', '/api/services');
    await Promise.all(services.map((s) => this.remove(s.name)));
  }

  /** Deletes every service with the CLI, as a user would. */
  deleteAllCommand() {
    return {
      command: process.execPath,
      args: [this.cli, 'delete', 'all', '--url', this.url],
      env: runEnv(),
    };
  }

  /** The listing command, spawned in full each time it is timed. */
  listCommand() {
    return {
      command: process.execPath,
      args: [this.cli, 'ls', '--json', '--url', this.url],
      env: runEnv(),
    };
  }

  /** Counts the services in the output of listCommand(). */
  countListed(stdout) {
    const parsed = JSON.parse(stdout);
    return (Array.isArray(parsed) ? parsed : parsed.services).length;
  }

  async listOverHttp() {
    const { services } = await this.#request('GET', '/api/services');
    return services.length;
  }

  /** Deletes every service (which stops its processes), then stops the server. */
  async shutdown() {
    if (this.pid === undefined || !isAlive(this.pid)) return;
    try {
      await this.removeAll();
    } finally {
      killGroup(this.pid, 'SIGTERM');
      const stopped = await Promise.race([
        this.exited.then(() => true),
        new Promise((resolve) => setTimeout(resolve, 15_000, false)),
      ]);
      if (!stopped) killGroup(this.pid, 'SIGKILL');
    }
  }

  #logTail() {
    try {
      return readFileSync(this.serverLog, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no server output)';
    }
  }

  /** The server's last output lines, for error reports. */
  diagnostics() {
    return this.#logTail();
  }
}
