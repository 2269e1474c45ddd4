import type { FieldProblem } from '../errors/index.js';
import { splitArgs } from './shell-words.js';

/** A value read from a PM2 app, or the problem that stopped it. */
export type Read<T> = { value: T } | { problem: FieldProblem };

/** PM2's `args`, `interpreter_args`, `node_args`: a command-line string or an array. */
export function readWords(value: unknown, path: string): Read<string[]> {
  if (typeof value === 'string') {
    const split = splitArgs(value);
    return split.ok ? { value: split.args } : { problem: { path, message: split.message } };
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return { value: value.map(String) };
  }
  return { problem: { path, message: 'must be a string or an array of strings' } };
}

/**
 * PM2's `instances`: a count, `'max'` or 0 for one per CPU, and a negative
 * number for all CPUs but that many (PM2's `-1` is "all CPUs but one").
 */
export function readInstances(value: unknown, cpus: number, path: string): Read<number> {
  const n =
    value === 'max'
      ? 0
      : typeof value === 'string' && /^-?\d+$/.test(value)
        ? Number(value)
        : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    return { problem: { path, message: "must be a whole number or 'max'" } };
  }
  const all = Math.max(1, Math.floor(cpus));
  return { value: n === 0 ? all : n < 0 ? Math.max(1, all + n) : n };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** PM2 durations: milliseconds as a number, or a string such as `500ms`, `5s`, `1m`. */
export function readDurationMs(value: unknown, path: string): Read<number> {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return { value: Math.round(value) };
  }
  const match =
    typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value) : null;
  if (match === null)
    return { problem: { path, message: 'must be milliseconds or a duration such as 5s' } };
  return { value: Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1)) };
}

/** PM2's `env`: values may be numbers or booleans, which a process sees as strings. */
export function readEnv(value: unknown, path: string): Read<Record<string, string>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: { path, message: 'must be object' } };
  }
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      return {
        problem: { path: `${path}/${key}`, message: 'must be a string, number or boolean' },
      };
    }
    env[key] = String(v);
  }
  return { value: env };
}

/**
 * The interpreter PM2 would pick for a script it is not told how to run.
 * Kept to the common, unambiguous extensions; anything else is executed
 * directly. Python is `python3` because `python` is absent on many hosts.
 */
export function interpreterFor(script: string): string | undefined {
  const extension = /\.([a-z]+)$/i.exec(script)?.[1]?.toLowerCase();
  if (extension === undefined) return undefined;
  const interpreters: Record<string, string> = {
    js: 'node',
    cjs: 'node',
    mjs: 'node',
    py: 'python3',
    sh: 'bash',
    rb: 'ruby',
    php: 'php',
    pl: 'perl',
  };
  return interpreters[extension];
}

/** A name PM2 would derive from the script, made to fit Codedance's name rule. */
export function nameFromScript(script: string): string {
  const base = (script.split(/[\\/]/).pop() ?? script).replace(/\.[^.]*$/, '');
  return base
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
}
