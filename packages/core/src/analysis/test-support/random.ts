/** mulberry32: a small seeded generator of uniform numbers in [0, 1), for repeatable tests. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw by the Box–Muller transform. */
export function normalDraw(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** `n` log-normal latencies in ms with the given median and log-scale spread. */
export function logNormalSamples(
  random: () => number,
  n: number,
  medianMs: number,
  sigma: number,
): number[] {
  return Array.from({ length: n }, () => medianMs * Math.exp(sigma * normalDraw(random)));
}

/** The number of errors among `n` requests that each fail with probability `p`. */
export function binomialDraw(random: () => number, n: number, p: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (random() < p) count++;
  return count;
}
