import { LATENCY_BOUNDS_MS, latencyBucket } from './buckets.js';
import { LatencyHistogram, type HistogramData, type LatencySummary } from './histogram.js';

/** `0` stands for a proxy failure (no usable answer from the backend). */
export const PROXY_ERROR = 0;

/** One version's traffic in one window. */
export interface VersionWindow {
  requests: number;
  /** Proxy failures (502/504 from the router); also counted in `status['5xx']`. */
  errors: number;
  /** Requests the client abandoned before the response ended; not in `requests`. */
  aborted: number;
  /** Requests that switched protocols (WebSocket); also in `requests` and `status['2xx']`. */
  upgrades: number;
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** `status['5xx'] / requests`. */
  errorRate: number;
  /** Response body bytes sent to clients. */
  bytes: number;
  latency: LatencySummary;
  /**
   * Every request's latency counted in fixed buckets, as Prometheus keeps a histogram:
   * `counts[i]` latencies at most `bounds[i]` ms and above the bound before it (not
   * cumulative); the last count is what was slower than the highest bound.
   */
  histogram: LatencyBuckets;
  /** Requests per second over the window. */
  requestRate: number;
  /** Raw latencies (ms), a uniform sample of the window, for rank tests. */
  samples?: number[];
}

/** Latencies counted per bucket; see {@link VersionWindow.histogram}. */
export interface LatencyBuckets {
  bounds: readonly number[];
  counts: number[];
  /** Sum of every latency counted, in ms. */
  sumMs: number;
}

export interface StatsWindow {
  /** Epoch ms, inclusive, rounded down to the second. */
  from: number;
  /** Epoch ms, exclusive, rounded up to the second. */
  to: number;
  versions: Record<string, VersionWindow>;
}

/**
 * One version's raw counts over a window in one process. Parts from several
 * router workers add up to the window of the whole router.
 */
export interface VersionPart {
  requests: number;
  errors: number;
  aborted: number;
  upgrades: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  bytes: number;
  latency: HistogramData;
  /** Latencies per bucket of `LATENCY_BOUNDS_MS` (one more count than bounds). */
  buckets: Uint32Array;
  /** Per second: how many requests it saw, and its latency reservoir. */
  strata?: { requests: number; samples: Float64Array }[];
}

/** A window's raw counts from one process, by version. */
export interface StatsPart {
  fromSecond: number;
  toSecond: number;
  versions: Record<string, VersionPart>;
}

export interface RouterStatsOptions {
  /** Seconds of history kept. */
  seconds?: number;
  /** Latency samples kept per version per second. */
  samplesPerSecond?: number;
  /** Latency samples returned per version per window. */
  samplesPerWindow?: number;
  now?: () => number;
  random?: () => number;
}

class SecondSlot {
  second = -1;
  requests = 0;
  errors = 0;
  aborted = 0;
  upgrades = 0;
  s2xx = 0;
  s3xx = 0;
  s4xx = 0;
  s5xx = 0;
  bytes = 0;
  readonly latency = new LatencyHistogram();
  readonly buckets = new Uint32Array(LATENCY_BOUNDS_MS.length + 1);
  readonly samples: Float64Array;
  sampled = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  reset(second: number): void {
    this.second = second;
    this.requests = this.errors = this.aborted = this.upgrades = 0;
    this.s2xx = this.s3xx = this.s4xx = this.s5xx = 0;
    this.bytes = 0;
    this.sampled = 0;
    this.latency.reset();
    this.buckets.fill(0);
  }
}

/** Per-second counters for one version, in a ring of the last N seconds. */
export class VersionStats {
  private readonly ring: (SecondSlot | undefined)[];

  constructor(
    private readonly seconds: number,
    private readonly capacity: number,
    private readonly random: () => number,
  ) {
    this.ring = new Array<SecondSlot | undefined>(seconds).fill(undefined);
  }

  private slot(nowMs: number): SecondSlot {
    const second = Math.floor(nowMs / 1000);
    const index = second % this.seconds;
    let slot = this.ring[index];
    if (slot === undefined) {
      slot = new SecondSlot(this.capacity);
      this.ring[index] = slot;
    }
    if (slot.second !== second) slot.reset(second);
    return slot;
  }

  /** Counts one finished request; `status` is the HTTP status or `PROXY_ERROR`. */
  record(status: number, latencyMs: number, bytes: number, nowMs: number): void {
    const slot = this.slot(nowMs);
    slot.requests++;
    slot.bytes += bytes;
    if (status === PROXY_ERROR) {
      slot.errors++;
      slot.s5xx++;
    } else if (status < 300) slot.s2xx++;
    else if (status < 400) slot.s3xx++;
    else if (status < 500) slot.s4xx++;
    else slot.s5xx++;
    slot.latency.record(latencyMs);
    const bucket = latencyBucket(latencyMs);
    slot.buckets[bucket] = (slot.buckets[bucket] ?? 0) + 1;
    // Reservoir sampling (algorithm R) within the second.
    const seen = slot.requests;
    if (seen <= this.capacity) slot.samples[seen - 1] = latencyMs;
    else {
      const at = Math.floor(this.random() * seen);
      if (at < this.capacity) slot.samples[at] = latencyMs;
    }
    slot.sampled = Math.min(seen, this.capacity);
  }

  recordAborted(nowMs: number): void {
    this.slot(nowMs).aborted++;
  }

  /** Counts a switch of protocols; the request itself is counted by `record`. */
  recordUpgrade(nowMs: number): void {
    this.slot(nowMs).upgrades++;
  }

  /** Slots whose second lies in `[fromSecond, toSecond)` and still in the ring. */
  slotsIn(fromSecond: number, toSecond: number): SecondSlot[] {
    const slots: SecondSlot[] = [];
    for (const slot of this.ring) {
      if (slot !== undefined && slot.second >= fromSecond && slot.second < toSecond) {
        slots.push(slot);
      }
    }
    return slots;
  }
}

/** Traffic statistics for every version the router has served. */
export class RouterStats {
  private readonly versions = new Map<string, VersionStats>();
  private readonly seconds: number;
  private readonly samplesPerSecond: number;
  private readonly samplesPerWindow: number;
  readonly now: () => number;
  private readonly random: () => number;

  constructor(options: RouterStatsOptions = {}) {
    this.seconds = options.seconds ?? 600;
    this.samplesPerSecond = options.samplesPerSecond ?? 1000;
    this.samplesPerWindow = options.samplesPerWindow ?? 5000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  forVersion(version: string): VersionStats {
    let stats = this.versions.get(version);
    if (stats === undefined) {
      stats = new VersionStats(this.seconds, this.samplesPerSecond, this.random);
      this.versions.set(version, stats);
    }
    return stats;
  }

  /**
   * Aggregates `[from, to)` (epoch ms, widened to whole seconds). Windows
   * older than the ring are silently cut to what is still kept.
   */
  window(from: number, to: number, withSamples = false): StatsWindow {
    const part = this.part(from, to, withSamples);
    return summariseParts(part, [part], {
      withSamples,
      samplesPerWindow: this.samplesPerWindow,
      random: this.random,
    });
  }

  /** This process's raw counts for `[from, to)`, to be merged with others'. */
  part(from: number, to: number, withSamples = false): StatsPart {
    const { fromSecond, toSecond } = windowSeconds(from, to);
    const part: StatsPart = { fromSecond, toSecond, versions: {} };
    // Slots older than the ring may still hold data that was never overwritten.
    const oldest = Math.floor(this.now() / 1000) - this.seconds + 1;
    for (const [version, stats] of this.versions) {
      const slots = stats.slotsIn(Math.max(fromSecond, oldest), toSecond);
      if (slots.length === 0) continue;
      part.versions[version] = partOf(slots, withSamples);
    }
    return part;
  }
}

/** The whole seconds `[from, to)` (epoch ms) covers: at least one. */
export function windowSeconds(from: number, to: number): { fromSecond: number; toSecond: number } {
  const fromSecond = Math.floor(from / 1000);
  return { fromSecond, toSecond: Math.max(fromSecond + 1, Math.ceil(to / 1000)) };
}

function partOf(slots: SecondSlot[], withSamples: boolean): VersionPart {
  const latency = new LatencyHistogram();
  const part: VersionPart = {
    requests: 0,
    errors: 0,
    aborted: 0,
    upgrades: 0,
    s2xx: 0,
    s3xx: 0,
    s4xx: 0,
    s5xx: 0,
    bytes: 0,
    latency,
    buckets: new Uint32Array(LATENCY_BOUNDS_MS.length + 1),
  };
  for (const slot of slots) {
    part.requests += slot.requests;
    part.errors += slot.errors;
    part.aborted += slot.aborted;
    part.upgrades += slot.upgrades;
    part.s2xx += slot.s2xx;
    part.s3xx += slot.s3xx;
    part.s4xx += slot.s4xx;
    part.s5xx += slot.s5xx;
    part.bytes += slot.bytes;
    latency.add(slot.latency);
    addCounts(part.buckets, slot.buckets);
  }
  if (withSamples) {
    part.strata = slots.map((slot) => ({
      requests: slot.requests,
      samples: slot.samples.slice(0, slot.sampled),
    }));
  }
  return part;
}

export interface SummariseOptions {
  withSamples: boolean;
  /** Latency samples returned per version per window. */
  samplesPerWindow: number;
  random: () => number;
}

/**
 * Adds up the parts of one window (one per router process) and summarises
 * every version: counts, rates, latency percentiles and, if asked, a uniform
 * latency sample.
 */
export function summariseParts(
  { fromSecond, toSecond }: { fromSecond: number; toSecond: number },
  parts: readonly StatsPart[],
  options: SummariseOptions,
): StatsWindow {
  const result: StatsWindow = { from: fromSecond * 1000, to: toSecond * 1000, versions: {} };
  const byVersion = new Map<string, VersionPart[]>();
  for (const part of parts) {
    for (const [version, data] of Object.entries(part.versions)) {
      const list = byVersion.get(version);
      if (list === undefined) byVersion.set(version, [data]);
      else list.push(data);
    }
  }
  for (const [version, list] of byVersion) {
    result.versions[version] = summarise(list, toSecond - fromSecond, options);
  }
  return result;
}

function summarise(
  parts: VersionPart[],
  seconds: number,
  options: SummariseOptions,
): VersionWindow {
  const latency = new LatencyHistogram();
  const window: VersionWindow = {
    requests: 0,
    errors: 0,
    aborted: 0,
    upgrades: 0,
    status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    errorRate: 0,
    bytes: 0,
    latency: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 },
    histogram: { bounds: LATENCY_BOUNDS_MS, counts: [], sumMs: 0 },
    requestRate: 0,
  };
  const buckets = new Uint32Array(LATENCY_BOUNDS_MS.length + 1);
  for (const part of parts) {
    window.requests += part.requests;
    window.errors += part.errors;
    window.aborted += part.aborted;
    window.upgrades += part.upgrades;
    window.status['2xx'] += part.s2xx;
    window.status['3xx'] += part.s3xx;
    window.status['4xx'] += part.s4xx;
    window.status['5xx'] += part.s5xx;
    window.bytes += part.bytes;
    latency.add(part.latency);
    addCounts(buckets, part.buckets);
  }
  window.errorRate = window.requests === 0 ? 0 : window.status['5xx'] / window.requests;
  window.latency = latency.summary();
  window.histogram = { bounds: LATENCY_BOUNDS_MS, counts: [...buckets], sumMs: latency.sum };
  window.requestRate = window.requests / seconds;
  if (options.withSamples) {
    const strata = parts.flatMap((part) => part.strata ?? []);
    window.samples = sample(strata, window.requests, options);
  }
  return window;
}

function addCounts(into: Uint32Array, from: Uint32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

/**
 * Stratified sampling: each second (of each process) contributes in
 * proportion to its request count, drawn at random from its reservoir, so
 * the result is a uniform sample of the window capped at `samplesPerWindow`.
 */
function sample(
  strata: { requests: number; samples: Float64Array }[],
  requests: number,
  options: SummariseOptions,
): number[] {
  const cap = options.samplesPerWindow;
  const out: number[] = [];
  if (requests === 0) return out;
  const scale = Math.min(1, cap / requests);
  let carry = 0;
  for (const stratum of strata) {
    const exact = stratum.requests * scale + carry;
    let take = Math.floor(exact);
    carry = exact - take;
    take = Math.min(take, stratum.samples.length, cap - out.length);
    const pool = stratum.samples.slice();
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(options.random() * (pool.length - i));
      const picked = pool[j] ?? 0;
      pool[j] = pool[i] ?? 0;
      pool[i] = picked;
      out.push(picked);
    }
  }
  return out;
}
