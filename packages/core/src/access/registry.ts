import { isLoopbackName, isWildcardAddress, parseHost } from './hosts.js';

/*
 * The per-user registry of running servers: one small file per server,
 * naming its data folder, so the CLI finds the credential of a server on
 * this host from any working folder. Pure path rules here; the server writes
 * the files and the CLI reads them.
 */

/** What a server records about itself. */
export interface RegisteredServer {
  url: string;
  dataDir: string;
  pid: number;
  /** The file holding its generated admin token; null when the token is configured. */
  credential: string | null;
}

/**
 * The registry folder: `$XDG_RUNTIME_DIR/codedance/servers` (a per-user
 * folder the system empties at logout and reboot), or
 * `$XDG_STATE_HOME/codedance/servers`, or `~/.local/state/codedance/servers`.
 */
export function registryDir(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime.startsWith('/')) return `${runtime}/codedance/servers`;
  const state = env.XDG_STATE_HOME;
  const base = state !== undefined && state.startsWith('/') ? state : `${home}/.local/state`;
  return `${base}/codedance/servers`;
}

/**
 * The registry file name of a server listening on `host:port`. Every
 * loopback name, and the wildcard addresses (which include loopback), share
 * `loopback-<port>.json`, so `localhost` finds a server on 127.0.0.1.
 */
export function registryFileName(host: string, port: number): string {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  const key = isLoopbackName(name) || isWildcardAddress(name) ? 'loopback' : name;
  return `${key.replace(/[^a-z0-9.-]/g, '_')}-${port}.json`;
}

/** The registry file name for a server URL the CLI was given; null when it is not an http(s) URL. */
export function registryFileNameOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const host = parseHost(parsed.host);
  if (host === null) return null;
  return registryFileName(host.name, host.port ?? (parsed.protocol === 'https:' ? 443 : 80));
}
