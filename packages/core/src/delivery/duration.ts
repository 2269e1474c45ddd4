const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration as people write it in a manifest: `500ms`, `30s`, `2m`, `1h30m`, or seconds as a number. */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*)+$';

/**
 * Milliseconds of a duration such as `1m30s`, `200ms` or `45` (a bare number is seconds);
 * null when the text is not a duration.
 */
export function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  }
  if (!new RegExp(DURATION_PATTERN).test(value)) return null;
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g)) {
    total += Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  }
  return Math.round(total);
}

/** A duration for people: `45s`, `2m`, `1m30s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', s > 0 || seconds === 0 ? `${s}s` : ''].join(
    '',
  );
}
