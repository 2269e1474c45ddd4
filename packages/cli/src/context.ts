import { resolve } from 'node:path';
import { cliClient, type ApiClient } from './client.js';
import { resolveCredential, type Credential } from './credential.js';
import type { ExitCode } from './exit-codes.js';
import { UsageError } from './failure.js';
import { Output, useColour, type Streams } from './output.js';

export const DEFAULT_URL = 'http://127.0.0.1:8100';
export const DEFAULT_DATA_DIR = './.codedance';
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** The process around a command: streams, environment, working folder. */
export interface Io extends Streams {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where answers to questions come from; process.stdin by default. */
  stdin?: NodeJS.ReadableStream;
}

/** Options every command accepts (declared once, on the root command). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  data?: string;
  json?: boolean;
  timeout?: number;
}

/** What a command needs to run: where to write and how to reach the server. */
export interface CommandContext {
  io: Io;
  out: Output;
  /** The server URL; resolved on first use so `codedance server` never trips over CODEDANCE_URL. */
  url(): string;
  /** The data folder: `--data` > `CODEDANCE_DATA` > `./.codedance`. */
  dataDir(): string;
  /** The credential to send to `url()`; see resolveCredential. */
  credential(): Credential;
  /** The token of `credential()`, for the live streams. */
  token(): string | undefined;
  client(): ApiClient;
}

/** The positional arguments and the command's own options of one invocation. */
export interface Invocation<O> {
  args: (string | undefined)[];
  options: O;
}

/** A command's body: returns the exit code, throws UsageError or ApiError. */
export type Handler<O> = (ctx: CommandContext, call: Invocation<O>) => Promise<ExitCode>;

/** Adapts a Handler to commander's `.action()`; main.ts provides it. */
export type Wrap = <O>(handler: Handler<O>) => (...args: unknown[]) => Promise<void>;

/** `--url` > `CODEDANCE_URL` > the default; an http(s) URL without a trailing slash. */
export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.CODEDANCE_URL === '' ? undefined : env.CODEDANCE_URL;
  const raw = flag ?? fromEnv ?? DEFAULT_URL;
  const source =
    flag !== undefined ? '--url' : fromEnv !== undefined ? 'CODEDANCE_URL' : 'the default URL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} is not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http:// or https:// URL: ${raw}`);
  }
  return url.href.replace(/\/+$/, '');
}

/** `--token` > `CODEDANCE_TOKEN`; an empty value means none. */
export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const token = flag ?? env.CODEDANCE_TOKEN;
  return token === undefined || token.trim() === '' ? undefined : token.trim();
}

/** `--data` > `CODEDANCE_DATA` > `./.codedance`, made absolute against the working folder. */
export function resolveDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  const fromEnv = env.CODEDANCE_DATA === '' ? undefined : env.CODEDANCE_DATA;
  return resolve(cwd, flag ?? fromEnv ?? DEFAULT_DATA_DIR);
}

export function createOutput(globals: GlobalOptions, io: Io): Output {
  return new Output(io, {
    json: globals.json === true,
    colour: useColour(io.stdout.isTTY, io.env),
  });
}

/** Builds a command's context; connection settings are checked when first used. */
export function createContext(globals: GlobalOptions, io: Io): CommandContext {
  let url: string | undefined;
  let client: ApiClient | undefined;
  let credential: Credential | undefined;
  const resolvedUrl = () => (url ??= resolveUrl(globals.url, io.env));
  const dataDir = () => resolveDataDir(globals.data, io.env, io.cwd);
  const resolvedCredential = () =>
    (credential ??= resolveCredential({
      flag: globals.token,
      env: io.env,
      dataDir: dataDir(),
      url: resolvedUrl(),
    }));
  return {
    io,
    out: createOutput(globals, io),
    url: resolvedUrl,
    dataDir,
    credential: resolvedCredential,
    token: () => resolvedCredential().token,
    client() {
      const { token, problem } = resolvedCredential();
      client ??= cliClient({
        url: resolvedUrl(),
        token,
        credentialProblem: problem,
        timeoutMs: (globals.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      });
      return client;
    },
  };
}
