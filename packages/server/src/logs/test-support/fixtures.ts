import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { LogHub, type LogHubOptions } from '../hub.js';
import { pipePath } from '../output-pipe.js';
import { logFiles } from '../raw-files.js';
import { fromRun } from '../runs.js';
import type { LogEntry, LogMessage, LogSource } from '../types.js';

/** Temporary folders for one test file, removed after each test. */
export function useTempDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codedance-logs-'));
    dirs.push(dir);
    return dir;
  };
}

/** Closes what a test opened, after each test, in reverse order. */
export function useClosers(): (close: () => unknown) => void {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return (close) => closers.push(close);
}

/**
 * A subscriber that records what it is sent (`entries` reads batches as their
 * entries); `accept` decides whether the client is congested.
 */
export function recorder(accept: () => boolean = () => true): {
  messages: LogMessage[];
  entries: () => LogEntry[];
  send: (message: LogMessage) => boolean;
} {
  const messages: LogMessage[] = [];
  return {
    messages,
    entries: () =>
      messages.flatMap((m) =>
        m.type === 'entry' ? [m.entry] : m.type === 'batch' ? m.runs.flatMap(fromRun) : [],
      ),
    send: (message) => {
      if (!accept()) return false;
      messages.push(message);
      return true;
    },
  };
}

/** Waits until `probe` is true, polling; fails with `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A hub on `dir` that fails the test on any background error; `onClose` registers its closing. */
export function openTestHub(
  dir: string,
  onClose: (close: () => unknown) => void,
  options: Partial<LogHubOptions> = {},
): LogHub {
  const hub = new LogHub({
    dir,
    journal: { maxSize: 1024 * 1024, maxFiles: 3 },
    onError: (error) => {
      throw error;
    },
    ...options,
  });
  onClose(() => hub.close());
  return hub;
}

/**
 * Writes into a workload's named pipe as the workload would: opened for
 * reading and writing, so the write neither fails nor waits for a reader
 * to appear; it waits only while the pipe is full.
 */
export async function writeToPipe(pipe: string, text: string): Promise<void> {
  const handle = await open(pipe, constants.O_RDWR);
  try {
    await handle.write(text);
  } finally {
    await handle.close();
  }
}

/**
 * Attaches `source` to `hub` and returns its raw files and its pipes, as a
 * process of that workload would be given them.
 */
export async function attachWorkload(
  hub: LogHub,
  dir: string,
  source: LogSource,
): Promise<{
  files: { stdout: string; stderr: string };
  pipes: { stdout: string; stderr: string };
}> {
  const files = logFiles(dir, source);
  await hub.attach(source, files);
  return { files, pipes: { stdout: pipePath(files.stdout), stderr: pipePath(files.stderr) } };
}
