import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(PACKAGE_DIR, 'bin', 'codedance.js');

/**
 * Fails early, and says why, when dist/ is missing or older than src/:
 * these tests run the built CLI, and a stale build would test old code.
 */
export function assertBuilt(): void {
  const src = join(PACKAGE_DIR, 'src');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
          ? [join(dir, e.name)]
          : [],
    );
  for (const file of walk(src).filter((f) => !f.includes('test-support'))) {
    const built = join(PACKAGE_DIR, 'dist', relative(src, file).replace(/\.ts$/, '.js'));
    let builtAt: number;
    try {
      builtAt = statSync(built).mtimeMs;
    } catch {
      throw new Error(`${built} is missing: run "npx tsc -b" first`);
    }
    if (builtAt < statSync(file).mtimeMs)
      throw new Error(`${built} is older than its source: run "npx tsc -b" first`);
  }
}

/** The environment the CLI runs in: this one without any Codedance settings, and no colour. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CODEDANCE_')) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (killed after `timeoutMs`, 30 s by default); `input` is written to its standard input. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: options.env ?? cleanEnv(), cwd: options.cwd, timeout: options.timeoutMs ?? 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A CLI process that keeps running (the server), with everything it has printed so far. */
export interface LongRunning {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects at the deadline or if the process exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code; rejects at the deadline. */
  exited(timeoutMs?: number): Promise<number | null>;
  /** Kills it for good if it still runs. */
  stop(): void;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): LongRunning {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  const deadline = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}\nstdout: ${out}\nstderr: ${err}`,
          ),
        );
      }, timeoutMs);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 15_000) {
      const seen = new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(out);
          if (match === null) return;
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        check();
        void exit.then((code) => {
          reject(
            new Error(
              `exited with ${code} before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`,
            ),
          );
        });
      });
      return deadline(seen, timeoutMs, String(pattern));
    },
    exited(timeoutMs = 10_000) {
      return deadline(exit, timeoutMs, 'the process to exit');
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A loopback port nothing listens on: bound by the system, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port was assigned');
  return address.port;
}
