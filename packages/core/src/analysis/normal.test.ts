import { describe, expect, it } from 'vitest';
import { erfc, normalCdf, normalQuantile, normalSurvival } from './normal.js';

describe('normal distribution', () => {
  it('matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 7);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 7);
  });

  it('keeps relative accuracy deep in the tail', () => {
    expect(normalCdf(-5) / 2.866515718791933e-7).toBeCloseTo(1, 5);
    expect(normalSurvival(8) / 6.22096057427174e-16).toBeCloseTo(1, 5);
  });

  it('inverts the distribution function', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 7);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    for (const p of [1e-6, 0.02, 0.3, 0.5, 0.8, 0.99, 1 - 1e-6]) {
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 5);
    }
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});
