/**
 * How many replicas each version runs so that its share of the pods behind one Service comes
 * closest to its weight: largest remainders, with at least one replica for every version that
 * takes traffic (a weight of 5 % on 4 replicas still needs a canary pod).
 */
export function replicaCounts(
  total: number,
  weights: readonly { version: string; weight: number }[],
): Map<string, number> {
  const serving = weights.filter((w) => w.weight > 0);
  const replicas = Math.max(Math.floor(total), serving.length);
  const sum = weights.reduce((s, w) => s + Math.max(w.weight, 0), 0);
  const counts = new Map<string, number>();
  if (sum === 0) {
    for (const { version } of weights) counts.set(version, 0);
    return counts;
  }
  const exact = weights.map((w) => ({ ...w, share: (replicas * Math.max(w.weight, 0)) / sum }));
  for (const w of exact) counts.set(w.version, Math.floor(w.share));
  let left = replicas - [...counts.values()].reduce((s, c) => s + c, 0);
  // Largest remainder first; on a tie, the heavier version (the order given breaks the rest).
  const byRemainder = [...exact].sort(
    (a, b) =>
      b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)) || b.weight - a.weight,
  );
  for (const w of byRemainder) {
    if (left === 0) break;
    if (w.weight <= 0) continue;
    counts.set(w.version, (counts.get(w.version) ?? 0) + 1);
    left -= 1;
  }
  // Every serving version keeps a pod, taken from the version with the most.
  for (const w of serving) {
    if ((counts.get(w.version) ?? 0) > 0) continue;
    const [richest] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    if (richest !== undefined) counts.set(richest[0], richest[1] - 1);
    counts.set(w.version, 1);
  }
  return counts;
}
