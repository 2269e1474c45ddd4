import { readFile, statfs } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ConfigReading, DiskReading, LogReading, PortProbe } from './facts.js';

/**
 * What the doctor can learn without the server: the data folder's disk,
 * the config files, the log the server left behind, and whether its port is
 * taken. This is how it explains a server that does not run.
 */

/** Measures the disk of `dir`, or of its nearest existing parent when it does not exist yet. */
export async function readLocalDisk(dir: string): Promise<DiskReading> {
  let path = resolve(dir);
  for (;;) {
    try {
      const s = await statfs(path);
      return {
        source: 'local',
        facts: {
          path,
          totalBytes: s.blocks * s.bsize,
          freeBytes: s.bfree * s.bsize,
          availableBytes: s.bavail * s.bsize,
        },
      };
    } catch (error) {
      const parent = dirname(path);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) {
        return { source: 'local', path, error: (error as Error).message };
      }
      path = parent;
    }
  }
}

/** Tries a plain TCP connection: something that accepts it holds the port. */
export function probePort(host: string, port: number, timeoutMs: number): Promise<PortProbe> {
  return new Promise((resolveProbe) => {
    const socket = connect({ host, port });
    const done = (result: PortProbe): void => {
      socket.destroy();
      resolveProbe(result);
    };
    socket.setTimeout(timeoutMs, () => {
      done({ error: `no TCP answer within ${timeoutMs / 1000} s` });
    });
    socket.once('connect', () => {
      done('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      done(error.code === 'ECONNREFUSED' ? 'closed' : { error: error.code ?? error.message });
    });
  });
}

/** Reads the error lines at the end of a log file, newest first; only the last `tailBytes` are read. */
export async function readLocalLog(
  file: string,
  limit: number,
  tailBytes = 256 * 1024,
): Promise<LogReading> {
  // Loaded only here: the server package is large and only this check needs its log reader.
  const { readServerLog } = await import('@codedance/server');
  try {
    const lines = await readServerLog(file, { minLevel: 50, limit, tailBytes });
    return { source: 'local', file, lines };
  } catch (error) {
    return { source: 'local', file, error: (error as Error).message };
  }
}

/**
 * Judges `<data>/config.json` with this shell's environment the way the
 * server does at boot, and finds the log file the server would write.
 */
export async function readLocalConfig(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ reading: ConfigReading; logFile: string }> {
  const file = join(dataDir, 'config.json');
  const defaultLog = join(dataDir, 'logs', 'codedance.log');
  let raw: unknown;
  try {
    const text = await readFile(file, 'utf8');
    raw = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      const message =
        error instanceof SyntaxError
          ? `not valid JSON: ${error.message}`
          : (error as Error).message;
      const report = {
        valid: false,
        problems: [{ path: '', message }],
        live: [],
        restart: [],
        overridden: [],
      };
      return {
        reading: { source: 'local', file, report: { ok: true, value: report } },
        logFile: defaultLog,
      };
    }
  }
  // Loaded only here: core compiles the configuration schema when imported.
  const { resolveConfig } = await import('@codedance/core');
  const resolved = resolveConfig({ dataDir, file: raw, env });
  const { logging } = resolved.config;
  const logFile = resolve(
    isAbsolute(logging.file) ? logging.file : join(logging.dir, logging.file),
  );
  const report = {
    valid: resolved.problems.length === 0,
    problems: resolved.problems,
    live: [],
    restart: [],
    overridden: [],
  };
  return { reading: { source: 'local', file, report: { ok: true, value: report } }, logFile };
}
