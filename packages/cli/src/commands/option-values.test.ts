import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../failure.js';
import { append, choice, logLevel, numberIn, parseEnv, positive } from './option-values.js';

describe('option value parsers', () => {
  it('numberIn takes whole numbers in range, or any number when not whole', () => {
    expect(numberIn(1, 64)('2')).toBe(2);
    expect(() => numberIn(1, 64)('65')).toThrow('expected a whole number from 1 to 64.');
    expect(() => numberIn(1, 64)('1.5')).toThrow(InvalidArgumentError);
    expect(numberIn(0, 10, false)('0.5')).toBe(0.5);
    expect(() => numberIn(0, 10, false)(' ')).toThrow('expected a number from 0 to 10.');
  });

  it('positive refuses zero and words', () => {
    expect(positive('0.5')).toBe(0.5);
    expect(() => positive('0')).toThrow('expected a number above 0.');
    expect(() => positive('soon')).toThrow(InvalidArgumentError);
  });

  it('choice matches exactly, or after changing the letter case', () => {
    expect(choice(['always', 'never'])('never')).toBe('never');
    expect(() => choice(['always', 'never'])('Never')).toThrow('expected one of always, never.');
    expect(choice(['json', 'csv'], 'lower')('CSV')).toBe('csv');
    expect(logLevel('warning')).toBe('WARNING');
    expect(() => logLevel('loud')).toThrow('expected one of DEBUG, INFO, WARNING, ERROR.');
  });

  it('append collects a repeated option in order', () => {
    expect(append('B=2', append('A=1'))).toEqual(['A=1', 'B=2']);
  });

  it('parseEnv splits at the first = and refuses a bad name', () => {
    expect(parseEnv(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(() => parseEnv(['NOPE'])).toThrow(UsageError);
    expect(() => parseEnv(['1A=b'])).toThrow("--env expects NAME=value, got '1A=b'");
  });
});
