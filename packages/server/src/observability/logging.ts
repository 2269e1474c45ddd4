import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { parseByteSize, type Config, type LogLevelName } from '@codedance/core';

/** Seed 004's level names and pino's. */
const PINO_LEVEL: Record<LogLevelName, LevelWithSilent> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  ERROR: 'error',
};

/** pino's numeric levels, named the way the dashboard and the API name them. */
export const LEVEL_NAMES: Record<number, LogLevelName | 'FATAL' | 'TRACE'> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'FATAL',
};

/** Numeric threshold of a seed level name (`WARNING` → 40). */
export function levelNumber(name: LogLevelName): number {
  return { DEBUG: 20, INFO: 30, WARNING: 40, ERROR: 50 }[name];
}

/**
 * Fields that may carry secrets, wherever they appear in a log object.
 * Redaction happens inside pino before a line is serialised.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'adminToken',
  'password',
  '*.token',
  '*.adminToken',
  '*.password',
  'config.server.adminToken',
  'patch.server.adminToken',
];

export interface ServerLog {
  logger: Logger;
  /** Absolute path of the file being written now. */
  file: string;
  setLevel(level: LogLevelName): void;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** Where the server log lives for a configuration. */
export function logFilePath(config: Config): string {
  return isAbsolute(config.logging.file)
    ? config.logging.file
    : join(config.logging.dir, config.logging.file);
}

/**
 * The server's own log: JSON lines to a file rotated by size and count
 * (seed 004's MAX_LOG_SIZE and MAX_LOG_FILES: `codedance.log` is the live
 * file, `codedance.log.1` … the older ones), and warnings and errors also to
 * stderr so a person running it in a terminal sees what goes wrong.
 */
export function createServerLog(config: Config, options: { stderr?: boolean } = {}): ServerLog {
  const file = logFilePath(config);
  const dir = file.slice(0, file.lastIndexOf('/')) || '/';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const bytes = parseByteSize(config.logging.maxSize) ?? 10 * 1024 * 1024;
  const rotating: RotatingFileStream = createStream(file.slice(dir.length + 1), {
    path: dir,
    size: `${Math.max(1, Math.ceil(bytes / 1024))}K`,
    rotate: Math.max(1, config.logging.maxFiles - 1),
    mode: 0o600,
  });
  const streams: pino.StreamEntry[] = [{ stream: rotating, level: 'trace' }];
  if (options.stderr !== false) streams.push({ stream: process.stderr, level: 'warn' });
  const logger = pino(
    {
      level: PINO_LEVEL[config.logging.level],
      base: { pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.epochTime,
    },
    pino.multistream(streams),
  );
  return {
    logger,
    file,
    setLevel(level) {
      logger.level = PINO_LEVEL[level];
    },
    close: () =>
      new Promise<void>((resolve) => {
        rotating.end(() => {
          resolve();
        });
      }),
  };
}
