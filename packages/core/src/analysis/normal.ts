/**
 * Complementary error function, by the Chebyshev fit `erfcc` of Numerical Recipes (2nd ed.,
 * §6.2): erfc(x) ≈ t·exp(−x² + P(t)) with t = 1 / (1 + |x|/2). Its relative error is below
 * 1.2e-7 over the whole line — unlike Abramowitz–Stegun 7.1.26, whose error is absolute, so the
 * tail p-values that decide a rollback keep their leading digits.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(-z * z + poly);
  return x >= 0 ? value : 2 - value;
}

/** Φ(z), the standard normal distribution function: Φ(z) = erfc(−z/√2) / 2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** 1 − Φ(z), computed directly so that small upper-tail probabilities do not cancel to 0. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const LOW_TAIL = 0.02425;

/**
 * Φ⁻¹(p), by P. J. Acklam's rational approximation (relative error < 1.15e-9): one rational
 * function in the centre, another in √(−2 ln p) for each tail. `p` must lie in (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  if (p < LOW_TAIL) return tailQuantile(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - LOW_TAIL) return -tailQuantile(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  const num =
    ((((-39.69683028665376 * r + 220.9460984245205) * r - 275.9285104469687) * r +
      138.357751867269) *
      r -
      30.66479806614716) *
      r +
    2.506628277459239;
  const den =
    ((((-54.47609879822406 * r + 161.5858368580409) * r - 155.6989798598866) * r +
      66.80131188771972) *
      r -
      13.28068155288572) *
      r +
    1;
  return (num * q) / den;
}

function tailQuantile(q: number): number {
  const num =
    ((((-0.007784894002430293 * q - 0.3223964580411365) * q - 2.400758277161838) * q -
      2.549732539343734) *
      q +
      4.374664141464968) *
      q +
    2.938163982698783;
  const den =
    (((0.007784695709041462 * q + 0.3224671290700398) * q + 2.445134137142996) * q +
      3.754408661907416) *
      q +
    1;
  return num / den;
}
