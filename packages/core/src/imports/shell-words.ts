/** A command line split into words, or why it could not be. */
export type SplitArgs = { ok: true; args: string[] } | { ok: false; message: string };

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
// Inside double quotes a backslash escapes only these, as in a POSIX shell.
const DOUBLE_QUOTED_ESCAPES = new Set(['"', '\\', '$', '`']);

/**
 * Splits a command line into words the way a POSIX shell would, without
 * running one: single quotes keep everything literally, double quotes allow
 * backslash escapes, a backslash outside quotes escapes the next character.
 * Variables, globs and `~` are deliberately NOT expanded: the words are
 * passed to the program as written.
 */
export function splitArgs(line: string): SplitArgs {
  const args: string[] = [];
  // `started` tells an empty quoted word ('') from no word at all.
  let word = '';
  let started = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    const next = line[i + 1];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && next === '\n') i++;
      else if (ch === '\\' && next !== undefined && DOUBLE_QUOTED_ESCAPES.has(next)) {
        word += next;
        i++;
      } else word += ch;
    } else if (WHITESPACE.has(ch)) {
      if (started) args.push(word);
      word = '';
      started = false;
    } else if (ch === '\\' && next === '\n') {
      i++;
    } else {
      started = true;
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '\\' && next !== undefined) {
        word += next;
        i++;
      } else word += ch;
    }
  }
  if (quote !== null) return { ok: false, message: `has an unterminated ${quote} quote` };
  if (started) args.push(word);
  return { ok: true, args };
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word so `splitArgs` (and a shell) reads it back unchanged. */
export function quoteArg(arg: string): string {
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The inverse of `splitArgs`: words joined by spaces, each quoted when needed. */
export function joinArgs(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}
