import { InvalidArgumentError } from 'commander';
import { UsageError } from '../failure.js';

/** The levels of a workload's log lines, lowest first. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;

/** A commander parser for a number in [min, max]; `whole` refuses fractions. */
export function numberIn(min: number, max: number, whole = true) {
  return (value: string): number => {
    const n = Number(value);
    const shaped = whole ? /^\d+$/.test(value.trim()) : value.trim() !== '';
    if (!shaped || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}.`,
      );
    return n;
  };
}

/** A commander parser for a number above 0. */
export function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

/** A commander parser for one of `values`, after putting the value in `letterCase`. */
export function choice(values: readonly string[], letterCase?: 'upper' | 'lower') {
  return (value: string): string => {
    const v =
      letterCase === 'upper'
        ? value.toUpperCase()
        : letterCase === 'lower'
          ? value.toLowerCase()
          : value;
    if (!values.includes(v))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}.`);
    return v;
  };
}

/** `--level`: at least this level, in any letter case. */
export const logLevel = choice(LOG_LEVELS, 'upper');

/** Collects a repeatable option (`--env A=1 --env B=2`). */
export function append(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--env K=V` and `--secret-env K=V` pairs into an environment: a secret is
 * `{ value, secret: true }`, which the server never shows again. A name
 * given twice is a usage error.
 */
export function parseWorkloadEnv(
  plain: readonly string[],
  secret: readonly string[],
): Record<string, string | { value: string; secret: true }> {
  const env: Record<string, string | { value: string; secret: true }> = parseEnv(plain);
  for (const [name, value] of Object.entries(parseEnv(secret, '--secret-env'))) {
    if (Object.hasOwn(env, name)) throw new UsageError(`${name} is given twice`);
    env[name] = { value, secret: true };
  }
  return env;
}

/** `K=V` pairs into an environment; a bad pair is a usage error. */
export function parseEnv(pairs: readonly string[], flag = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at === -1 ? pair : pair.slice(0, at);
    if (at === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new UsageError(`${flag} expects NAME=value, got '${pair}'`);
    env[key] = pair.slice(at + 1);
  }
  return env;
}
