// Drives PM2 through its CLI, with a PM2_HOME of its own so a user's PM2 is never touched.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onCleanup, RUN_MARKER, runEnv, runOk } from '../cleanup.mjs';
import { cpuTicks, isAlive } from '../measure/proc.mjs';
import { delay, until } from '../measure/wait.mjs';
import { TailProcess } from './tail.mjs';

/**
 * Installs pm2@latest into `scratch` unless it is there already; returns the
 * path of its CLI script and its version. The folder is kept between runs as
 * a cache (delete it to get a newer PM2).
 */
export async function installPm2(scratch) {
  const cli = join(scratch, 'node_modules', 'pm2', 'bin', 'pm2');
  if (!existsSync(cli)) {
    await mkdir(scratch, { recursive: true });
    console.log(`installing pm2@latest into ${scratch} …`);
    await runOk('npm', ['install', '--prefix', scratch, 'pm2@latest', '--no-audit', '--no-fund'], {
      env: process.env,
      timeoutMs: 300_000,
    });
  }
  const { version } = JSON.parse(
    readFileSync(join(scratch, 'node_modules', 'pm2', 'package.json'), 'utf8'),
  );
  return { cli, version };
}

/** Socket descriptors a process holds (its stdio pipes are sockets too). */
function socketCount(pid) {
  let count = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count += 1;
      } catch {
        // Closed while reading.
      }
    }
  } catch {
    return 0;
  }
  return count;
}

export class Pm2 {
  key = 'pm2';
  label = 'PM2';

  /** @param {{ cli: string, folder: string, fixtures: string }} options */
  constructor({ cli, folder, fixtures }) {
    this.cli = cli;
    this.home = join(folder, 'pm2-home');
    this.folder = folder;
    this.fixtures = fixtures;
    this.env = runEnv({ PM2_HOME: this.home });
  }

  #pm2(...args) {
    return runOk(process.execPath, [this.cli, ...args], { env: this.env, cwd: this.folder });
  }

  async boot() {
    await mkdir(this.home, { recursive: true });
    // PM2's first command in a new PM2_HOME asks a web service for the
    // newest version; the file it leaves afterwards says that was done.
    await writeFile(join(this.home, 'touch'), String(Date.now()));
    onCleanup('pm2 kill', () => this.shutdown());
    await this.#pm2('ping');
    this.pid = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8').trim());
    if (!isAlive(this.pid)) throw new Error(`PM2 daemon ${this.pid} is not running`);
  }

  supervisorPids() {
    return [this.pid];
  }

  #app(fields) {
    return {
      interpreter: process.execPath,
      exec_mode: 'fork',
      autorestart: true,
      ...fields,
      env: { [RUN_MARKER.name]: RUN_MARKER.value, ...fields.env },
    };
  }

  /** Starts every service with one `pm2 start <ecosystem file>`, the usual way to start many. */
  async startServices(services) {
    const apps = services.map(({ name, port }) =>
      this.#app({
        name,
        script: join(this.fixtures, 'http-service.mjs'),
        env: { PORT: String(port) },
      }),
    );
    await this.#start(`services-${Date.now()}`, apps);
  }

  async #start(file, apps) {
    const path = join(this.folder, `${file}.config.cjs`);
    await writeFile(path, `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
    await this.#pm2('start', path);
  }

  /** name → { pid, online, restarts }, from `pm2 jlist`. */
  async instances() {
    const { stdout } = await this.#pm2('jlist');
    return new Map(
      JSON.parse(stdout).map((p) => [
        p.name,
        {
          pid: p.pid || null,
          online: p.pm2_env.status === 'online',
          restarts: p.pm2_env.restart_time,
        },
      ]),
    );
  }

  async startBurst(name, lines) {
    await this.#start(name, [
      this.#app({
        name,
        script: join(this.fixtures, 'log-burst.mjs'),
        env: { LINES: String(lines) },
      }),
    ]);
  }

  /** PM2's daemon writes the log file itself: a complete file is every line taken in. */
  async ingested() {
    return true;
  }

  /** Nothing to prepare: `ingested` asks PM2 nothing. */
  async warmUp() {}

  /** The file PM2 appends the app's stdout to, as PM2 reports it (the name can get a suffix). */
  async logFile(name) {
    const { stdout } = await this.#pm2('jlist');
    const app = JSON.parse(stdout).find((p) => p.name === name);
    if (!app) throw new Error(`PM2 does not list ${name}`);
    return app.pm2_env.pm_out_log_path;
  }

  /**
   * `pm2 logs <name> --raw --lines 0`. It prints nothing until a line comes,
   * so it counts as ready once it holds its two connections to the daemon
   * (RPC and bus) beside its stdio and has gone idle.
   */
  async tail(name, expected) {
    const tail = new TailProcess(
      process.execPath,
      [this.cli, 'logs', name, '--raw', '--lines', '0'],
      this.env,
      expected,
    );
    await until(() => socketCount(tail.pid) >= 4, {
      timeoutMs: 10_000,
      what: 'pm2 logs to connect',
    });
    await until(
      async () => {
        const before = cpuTicks(tail.pid);
        await delay(200);
        return cpuTicks(tail.pid) === before;
      },
      { everyMs: 0, timeoutMs: 10_000, what: 'pm2 logs to go idle' },
    );
    return tail;
  }

  async remove(name) {
    await this.#pm2('delete', name);
  }

  async removeAll() {
    await this.#pm2('delete', 'all');
  }

  deleteAllCommand() {
    return {
      command: process.execPath,
      args: [this.cli, 'delete', 'all'],
      env: this.env,
      cwd: this.folder,
    };
  }

  listCommand() {
    return { command: process.execPath, args: [this.cli, 'jlist'], env: this.env };
  }

  countListed(stdout) {
    return JSON.parse(stdout).length;
  }

  /** `pm2 kill` stops every app and the daemon; then the daemon must be gone. */
  async shutdown() {
    const pidFile = join(this.home, 'pm2.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!isAlive(pid)) return;
    await this.#pm2('kill');
    await until(() => !isAlive(pid), { timeoutMs: 10_000, what: 'the PM2 daemon to exit' });
  }
}
