import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  isLoopbackName,
  parseHost,
  registryDir,
  registryFileNameOf,
  type RegisteredServer,
} from '@codedance/core';

/** The admin token of a data folder, as the server writes it. */
export function credentialFile(dataDir: string): string {
  return join(dataDir, 'credentials', 'admin-token');
}

/** The token the CLI sends, and where it came from (for messages; never the token itself). */
export interface Credential {
  token: string | undefined;
  /** `--token`, `CODEDANCE_TOKEN`, a file path, or `none`. */
  source: string;
  /** Why a local credential that should have been there could not be read. */
  problem?: string;
}

export interface CredentialInput {
  flag: string | undefined;
  env: NodeJS.ProcessEnv;
  /** The data folder the CLI resolved (`--data` > `CODEDANCE_DATA` > `./.codedance`). */
  dataDir: string;
  url: string;
  home?: string;
}

type Read = { token: string } | { missing: true } | { problem: string };

function readToken(file: string): Read {
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token === '' ? { missing: true } : { token };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : String(code);
    return { problem: `cannot read ${file}: ${why}` };
  }
}

function registered(input: CredentialInput): RegisteredServer | null {
  const name = registryFileNameOf(input.url);
  if (name === null) return null;
  const file = join(registryDir(input.env, input.home ?? homedir()), name);
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Partial<RegisteredServer>;
    return typeof entry.dataDir === 'string' && typeof entry.url === 'string'
      ? {
          url: entry.url,
          dataDir: entry.dataDir,
          pid: typeof entry.pid === 'number' ? entry.pid : 0,
          credential: typeof entry.credential === 'string' ? entry.credential : null,
        }
      : null;
  } catch {
    return null;
  }
}

/**
 * The token to send: `--token` > `CODEDANCE_TOKEN` > the admin token the
 * server generated in the data folder (only for a server on loopback: it
 * would mean nothing to another host, and must not be sent there) > the data
 * folder of the server this user runs on that URL, found in the per-user
 * registry. A file this user may not read is reported, not hidden.
 */
export function resolveCredential(input: CredentialInput): Credential {
  const flag = input.flag?.trim();
  if (flag !== undefined && flag !== '') return { token: flag, source: '--token' };
  const fromEnv = input.env.CODEDANCE_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, source: 'CODEDANCE_TOKEN' };
  const problems: string[] = [];
  const host = parseHost(safeHost(input.url));
  if (host !== null && isLoopbackName(host.name)) {
    const file = credentialFile(input.dataDir);
    const read = readToken(file);
    if ('token' in read) return { token: read.token, source: file };
    if ('problem' in read) problems.push(read.problem);
  }
  const entry = registered(input);
  if (entry?.credential != null) {
    const read = readToken(entry.credential);
    if ('token' in read) return { token: read.token, source: entry.credential };
    if ('problem' in read) problems.push(read.problem);
  }
  return {
    token: undefined,
    source: 'none',
    ...(problems.length === 0 ? {} : { problem: problems.join('; ') }),
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
