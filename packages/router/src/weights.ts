import type { RouteTable } from './table.js';

/** One backend instance address, parsed once when the table is compiled. */
export interface Backend {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Epoch ms before which this backend is skipped after a connection failure. */
  downUntil: number;
}

/** A version's live routing state; only the table that owns it mutates it. */
export interface VersionRoute {
  readonly version: string;
  readonly weight: number;
  readonly backends: readonly Backend[];
  /** Smooth weighted round-robin "current weight". */
  current: number;
  /** Index of the next backend to try. */
  next: number;
  /** The `Set-Cookie` value that pins a client to this version. */
  readonly cookie: string;
}

/**
 * A compiled table. Applying new weights builds a new one and swaps it in
 * with a single assignment; a request holds on to the version and backend it
 * was given, so in-flight requests never see a half-applied change.
 */
export interface RoutingState {
  readonly table: RouteTable;
  readonly versions: readonly VersionRoute[];
  readonly total: number;
  readonly sticky: boolean;
  readonly headerRouting: boolean;
  readonly stable: VersionRoute | undefined;
  readonly canary: VersionRoute | undefined;
}

export const STICKY_COOKIE = 'cd_version';

/** Parses `host:port`; the table schema has already checked the shape. */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/** Builds the routing state for a validated table. */
export function compileTable(table: RouteTable): RoutingState {
  const versions = table.versions.map((entry): VersionRoute => ({
    version: entry.version,
    weight: entry.weight,
    backends: entry.backends.map((address) => ({
      address,
      ...parseAddress(address),
      downUntil: 0,
    })),
    current: 0,
    next: 0,
    cookie: `${STICKY_COOKIE}=${entry.version}; Path=/; HttpOnly; SameSite=Lax`,
  }));
  const find = (id: string): VersionRoute | undefined => versions.find((v) => v.version === id);
  return {
    table,
    versions,
    total: versions.reduce((sum, v) => sum + v.weight, 0),
    sticky: table.sticky,
    headerRouting: table.headerRouting,
    stable: find(table.stable),
    canary: find(table.canary),
  };
}

/**
 * nginx's smooth weighted round-robin: every pick adds each weight to its
 * current value, takes the largest and subtracts the total from it. Over any
 * `total` consecutive picks each version is chosen exactly `weight` times,
 * and the picks are spread out rather than bunched.
 */
export function nextByWeight(state: RoutingState): VersionRoute | undefined {
  const versions = state.versions;
  let best: VersionRoute | undefined;
  for (const v of versions) {
    if (v.weight === 0) continue;
    v.current += v.weight;
    if (best === undefined || v.current > best.current) best = v;
  }
  if (best !== undefined) best.current -= state.total;
  return best;
}

/** The version a `cd_version` cookie pins to, if it still takes traffic. */
export function stickyVersion(
  state: RoutingState,
  cookieHeader: string | undefined,
): VersionRoute | undefined {
  if (cookieHeader === undefined) return undefined;
  const at = cookieHeader.indexOf(`${STICKY_COOKIE}=`);
  if (
    at === -1 ||
    (at > 0 && cookieHeader.charCodeAt(at - 1) !== 32 && cookieHeader.charCodeAt(at - 1) !== 59)
  ) {
    return undefined;
  }
  const start = at + STICKY_COOKIE.length + 1;
  const end = cookieHeader.indexOf(';', start);
  const id = end === -1 ? cookieHeader.slice(start) : cookieHeader.slice(start, end);
  for (const v of state.versions) {
    if (v.version === id) return v.weight > 0 ? v : undefined;
  }
  return undefined;
}

/**
 * Chooses the version for one request: the `x-canary` header first (when
 * header routing is on), then the sticky version, then the weights. Only the
 * last advances the weighted sequence, so pinned and header-routed clients do
 * not distort the split for everyone else.
 */
export function chooseVersion(
  state: RoutingState,
  canaryHeader: string | undefined,
  sticky: VersionRoute | undefined,
): VersionRoute | undefined {
  if (state.headerRouting && canaryHeader !== undefined) {
    if (canaryHeader === 'always' && state.canary !== undefined) return state.canary;
    if (canaryHeader === 'never' && state.stable !== undefined) return state.stable;
  }
  return sticky ?? nextByWeight(state);
}

/**
 * Round-robin over the version's backends, skipping those marked down. When
 * all are down it still returns one: trying beats refusing outright.
 */
export function pickBackend(version: VersionRoute, now: number): Backend | undefined {
  const backends = version.backends;
  const count = backends.length;
  if (count === 0) return undefined;
  for (let tried = 0; tried < count; tried++) {
    const backend = backends[version.next];
    version.next = version.next + 1 === count ? 0 : version.next + 1;
    if (backend !== undefined && backend.downUntil <= now) return backend;
  }
  const fallback = backends[version.next];
  version.next = version.next + 1 === count ? 0 : version.next + 1;
  return fallback;
}
