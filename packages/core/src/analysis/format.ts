/** A fraction as a percentage for people: 0.098 → "9.8 %", keeping up to `digits` decimals. */
export function percent(fraction: number, digits = 1): string {
  return `${trim(fraction * 100, digits)} %`;
}

/** Milliseconds for people: 153.25 → "153.3 ms". */
export function ms(value: number): string {
  return `${trim(value, 1)} ms`;
}

/** A number rounded to `digits` decimals without trailing zeros, so 5.0 reads "5". */
export function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/** "1 request", "412 requests". */
export function requestCount(n: number): string {
  return n === 1 ? '1 request' : `${n} requests`;
}
