/**
 * A log-linear latency histogram in the manner of HdrHistogram: values are
 * counted in 0.1 µs units; below 128 units each unit is its own bucket, above
 * that every power of two is split into 64 linear sub-buckets. A bucket is
 * reported by its midpoint, so the relative error is at most 1/128 (< 0.8 %)
 * from 0.01 ms up to the 60 s ceiling.
 */
const UNITS_PER_MS = 10_000;
const MAX_UNITS = 60_000 * UNITS_PER_MS;
const LINEAR = 128;
const SUB = 64;

/** The bucket a latency in milliseconds falls into. */
export function bucketOf(ms: number): number {
  let units = Math.floor(ms * UNITS_PER_MS);
  if (!(units > 0)) units = 0;
  else if (units > MAX_UNITS) units = MAX_UNITS;
  if (units < LINEAR) return units;
  const exponent = 31 - Math.clz32(units);
  const shift = exponent - 6;
  return LINEAR + (exponent - 7) * SUB + ((units >>> shift) - SUB);
}

/** The value (ms) a bucket stands for: its midpoint. */
export function bucketValue(bucket: number): number {
  if (bucket < LINEAR) return (bucket + 0.5) / UNITS_PER_MS;
  const exponent = ((bucket - LINEAR) >> 6) + 7;
  const sub = ((bucket - LINEAR) & (SUB - 1)) + SUB;
  const width = 2 ** (exponent - 6);
  return (sub * width + width / 2) / UNITS_PER_MS;
}

export const BUCKET_COUNT = bucketOf(60_000) + 1;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** A histogram's data as plain values, as it crosses a process boundary. */
export interface HistogramData {
  readonly counts: Uint32Array;
  readonly count: number;
  readonly sum: number;
  readonly max: number;
  readonly min: number;
}

export class LatencyHistogram implements HistogramData {
  readonly counts = new Uint32Array(BUCKET_COUNT);
  count = 0;
  sum = 0;
  max = 0;
  min = Number.POSITIVE_INFINITY;

  record(ms: number): void {
    const bucket = bucketOf(ms);
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (ms < this.min) this.min = ms;
  }

  add(other: HistogramData): void {
    if (other.count === 0) return;
    const counts = this.counts;
    const theirs = other.counts;
    for (let i = 0; i < BUCKET_COUNT; i++) counts[i] = (counts[i] ?? 0) + (theirs[i] ?? 0);
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
    if (other.min < this.min) this.min = other.min;
  }

  reset(): void {
    if (this.count === 0) return;
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.min = Number.POSITIVE_INFINITY;
  }

  /** The value at percentile `p` (0..100), clamped to the exact min and max. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketValue(i)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.max,
      mean: this.count === 0 ? 0 : this.sum / this.count,
    };
  }
}
