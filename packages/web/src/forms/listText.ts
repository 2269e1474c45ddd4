/**
 * Arguments and environment variables as a person types them: one argument
 * per line and `NAME=value` per line, or JSON for what lines cannot hold (an
 * empty argument, a value that spans lines). An argument or a value reaches
 * the process exactly as typed: nothing is quoted, unquoted, trimmed or
 * joined, and no shell reads it.
 */

import type { SECRET_MASK as CORE_SECRET_MASK, EnvMap, EnvValue } from '@codedance/core';

/** The server's mask of a secret value (the type keeps the two the same without bundling core). */
const SECRET_MASK: typeof CORE_SECRET_MASK = '********';

/** How a list is written in its text box. */
export type ListFormat = 'lines' | 'json';

export type ListProblem =
  | { message: 'json' | 'jsonArgs' | 'jsonEnv' | 'notLines' }
  | { message: 'envLine'; line: number }
  | { message: 'envRepeat'; line: number; name: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: ListProblem };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A text box hands back `\n` for every line break it was given, so `\r` cannot survive one. */
const LINE_BREAK = /[\r\n]/;

/** True when every argument can stand on a line of its own and be read back the same. */
export function argsFitLines(args: readonly string[]): boolean {
  return args.every((arg) => arg.trim() !== '' && !LINE_BREAK.test(arg));
}

/**
 * True when every value can stand on a `NAME=value` line and be read back
 * the same. A secret stands there as `NAME=********`, which sends back the
 * mask: the server keeps the value it has.
 */
export function envFitsLines(env: EnvMap): boolean {
  return Object.values(env).every((value) =>
    typeof value === 'string' ? !LINE_BREAK.test(value) : value.value === SECRET_MASK,
  );
}

export function argsToText(args: readonly string[], format: ListFormat): string {
  if (format === 'json') return args.length === 0 ? '' : JSON.stringify(args, null, 2);
  return args.join('\n');
}

export function envToText(env: EnvMap, format: ListFormat): string {
  const entries = Object.entries(env);
  if (format === 'json') return entries.length === 0 ? '' : JSON.stringify(env, null, 2);
  return entries
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : value.value}`)
    .join('\n');
}

function isEnvValue(value: unknown): value is EnvValue {
  if (typeof value === 'string') return true;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { value: text, secret, ...rest } = value as Record<string, unknown>;
  return typeof text === 'string' && typeof secret === 'boolean' && Object.keys(rest).length === 0;
}

function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: { message: 'json' } };
  }
}

/** One argument per line that is not blank, spaces and quotes included; or a JSON array of strings. */
export function argsFromText(text: string, format: ListFormat): Parsed<string[]> {
  if (format === 'lines') {
    return { ok: true, value: text.split(/\r?\n/).filter((line) => line.trim() !== '') };
  }
  if (text.trim() === '') return { ok: true, value: [] };
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    return { ok: false, problem: { message: 'jsonArgs' } };
  }
  return { ok: true, value };
}

/**
 * `NAME=value` per non-empty line: the name is what comes before the first
 * `=` (spaces around it ignored), the value everything after it, exactly.
 * Or a JSON object of strings.
 */
export function envFromText(text: string, format: ListFormat): Parsed<Record<string, EnvValue>> {
  if (format === 'json') {
    if (text.trim() === '') return { ok: true, value: {} };
    const parsed = parseJson(text);
    if (!parsed.ok) return parsed;
    const value = parsed.value;
    if (
      value === null ||
      typeof value !== 'object' ||
      Array.isArray(value) ||
      !Object.values(value).every(isEnvValue)
    ) {
      return { ok: false, problem: { message: 'jsonEnv' } };
    }
    return { ok: true, value: value as Record<string, EnvValue> };
  }
  // A Map, so a name such as __proto__ is a variable like any other.
  const env = new Map<string, EnvValue>();
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const name = line.slice(0, Math.max(eq, 0)).trim();
    if (eq < 0 || !ENV_NAME.test(name)) {
      return { ok: false, problem: { message: 'envLine', line: index + 1 } };
    }
    if (env.has(name)) {
      return { ok: false, problem: { message: 'envRepeat', line: index + 1, name } };
    }
    const value = line.slice(eq + 1);
    // The mask of a secret, as the page was given it: keep the stored value.
    env.set(name, value === SECRET_MASK ? { value, secret: true } : value);
  }
  return { ok: true, value: Object.fromEntries(env) };
}

/**
 * The same list written the other way, or why it cannot be: text that does
 * not read in its own format, or JSON that lines cannot hold.
 */
export function convertList(
  kind: 'args' | 'env',
  text: string,
  from: ListFormat,
  to: ListFormat,
): Parsed<string> {
  if (from === to) return { ok: true, value: text };
  if (kind === 'args') {
    const args = argsFromText(text, from);
    if (!args.ok) return args;
    if (to === 'lines' && !argsFitLines(args.value)) {
      return { ok: false, problem: { message: 'notLines' } };
    }
    return { ok: true, value: argsToText(args.value, to) };
  }
  const env = envFromText(text, from);
  if (!env.ok) return env;
  if (to === 'lines' && !envFitsLines(env.value)) {
    return { ok: false, problem: { message: 'notLines' } };
  }
  return { ok: true, value: envToText(env.value, to) };
}
