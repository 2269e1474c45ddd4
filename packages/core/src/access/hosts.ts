/** A dotted-quad IPv4 address (each part 0–255). */
function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** A plausible IPv6 address: hex groups and colons, with at most one `::`. */
function isIPv6(text: string): boolean {
  return /^[0-9a-f:.]+$/.test(text) && text.includes(':') && text.split('::').length <= 2;
}

/** A `Host` header split into its name (lower case, IPv6 without brackets) and port. */
export interface HostName {
  name: string;
  port: number | null;
}

/** One entry of `server.publicHosts`: a name, optionally a port, optionally the scheme it is reached with. */
export interface PublicHost extends HostName {
  /** `https://ops.example.com` when the entry was written as a URL; then it is also an origin of this server. */
  origin: string | null;
}

/** Splits `name`, `name:port`, `[v6]` or `[v6]:port`; null when the text is not a host. */
export function parseHost(text: string): HostName | null {
  const value = text.trim().toLowerCase();
  if (value === '') return null;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(value);
  if (bracketed !== null) {
    const [, name = '', port] = bracketed;
    if (!isIPv6(name)) return null;
    return { name, port: portOf(port) };
  }
  const plain = /^([a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(value);
  if (plain === null) return null;
  const [, name = '', port] = plain;
  return { name: name.replace(/\.$/, ''), port: portOf(port) };
}

function portOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/** True for names only this machine answers: `localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackName(name: string): boolean {
  const host = name.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** True for an address that listens on every interface (`0.0.0.0`, `::`). */
export function isWildcardAddress(name: string): boolean {
  const host = name.replace(/^\[|\]$/g, '');
  return host === '0.0.0.0' || host === '::';
}

/** Reads one `server.publicHosts` entry; null when it is neither a host nor an http(s) URL. */
export function parsePublicHost(entry: string): PublicHost | null {
  if (entry.includes('://')) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    const host = parseHost(url.host);
    return host === null ? null : { ...host, origin: url.origin };
  }
  const host = parseHost(entry);
  return host === null ? null : { ...host, origin: null };
}

export interface HostRules {
  /** `server.publicHosts`. */
  publicHosts: readonly string[];
  /** `server.host`: a specific address the server listens on is a name it may be called by. */
  listenHost: string;
}

/**
 * Whether a request's `Host` names this server: a loopback name or address
 * (any port), the address it listens on, or one of `server.publicHosts`.
 * Anything else is what a DNS-rebinding page sends, and is refused.
 */
export function hostAllowed(header: string | undefined, rules: HostRules): boolean {
  if (header === undefined) return false;
  const host = parseHost(header);
  if (host === null) return false;
  if (isLoopbackName(host.name)) return true;
  const listen = rules.listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (!isWildcardAddress(listen) && host.name === listen) return true;
  return rules.publicHosts.some((entry) => {
    const allowed = parsePublicHost(entry);
    return (
      allowed !== null &&
      allowed.name === host.name &&
      (allowed.port === null || allowed.port === host.port)
    );
  });
}
