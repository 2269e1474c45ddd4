import { parsePublicHost } from './hosts.js';

/** Methods that only read; everything else changes state and is checked for its origin. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `https://Example.com:443/` → `https://example.com`; null when it is not an http(s) origin. */
export function normalOrigin(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** The origins that are this server itself: the request's own, and those `server.publicHosts` spells as URLs. */
export function ownOrigins(
  scheme: 'http' | 'https',
  hostHeader: string | undefined,
  publicHosts: readonly string[],
): string[] {
  const own = hostHeader === undefined ? null : normalOrigin(`${scheme}://${hostHeader}`);
  const configured = publicHosts
    .map((entry) => parsePublicHost(entry)?.origin ?? null)
    .filter((origin): origin is string => origin !== null);
  return own === null ? configured : [own, ...configured];
}

export interface OriginFacts {
  method: string;
  /** The `Origin` header, when sent. */
  origin: string | undefined;
  /** The `Sec-Fetch-Site` header, when sent. */
  fetchSite: string | undefined;
  /** True for a WebSocket upgrade: a GET, but one a browser page opens with its cookies. */
  upgrade: boolean;
  own: readonly string[];
  /** `server.corsOrigins`. */
  allowed: readonly string[];
}

/** Why a request is refused as cross-site: its `Origin`, or what the browser said of it. */
export type OriginRefusal = 'foreign-origin' | 'cross-site';

/**
 * Judges whether a request may have come from a page on another site. A
 * request that changes state (anything but GET, HEAD, OPTIONS), and every
 * WebSocket upgrade, is refused when it carries an `Origin` that is neither
 * this server's nor listed in `server.corsOrigins`; a state-changing request
 * the browser marks `Sec-Fetch-Site: cross-site` is refused unless its origin
 * is listed. Clients that are not browsers send neither header and pass.
 */
export function originRefusal(facts: OriginFacts): OriginRefusal | null {
  const checked = facts.upgrade || !SAFE_METHODS.has(facts.method.toUpperCase());
  if (!checked) return null;
  const allowed = new Set(facts.allowed.map((o) => normalOrigin(o) ?? o));
  if (facts.origin !== undefined) {
    const origin = normalOrigin(facts.origin);
    if (origin !== null && allowed.has(origin)) return null;
    if (origin === null || !facts.own.includes(origin)) return 'foreign-origin';
  }
  if (facts.fetchSite?.toLowerCase() === 'cross-site' && !facts.upgrade) return 'cross-site';
  return null;
}
