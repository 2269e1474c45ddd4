import { describe, expect, it } from 'vitest';
import { joinArgs, quoteArg, splitArgs } from './shell-words.js';

describe('splitArgs', () => {
  it.each<[string, string[]]>([
    ['--port 3000  --verbose', ['--port', '3000', '--verbose']],
    [`--name 'my app' --say "hello world"`, ['--name', 'my app', '--say', 'hello world']],
    [`'it'\\''s'`, ["it's"]],
    [`"a \\"quoted\\" \\\\ word"`, ['a "quoted" \\ word']],
    [`"keep \\n and \\x"`, ['keep \\n and \\x']],
    [`one\\ word`, ['one word']],
    [`--flag='' ""`, ['--flag=', '']],
    [`a"b"'c'd`, ['abcd']],
    ['$HOME ~ *.js', ['$HOME', '~', '*.js']],
    ['line \\\n continued', ['line', 'continued']],
    ['', []],
    ['   ', []],
  ])('splits %j', (line, args) => {
    expect(splitArgs(line)).toEqual({ ok: true, args });
  });

  it('refuses an unterminated quote', () => {
    expect(splitArgs(`--name 'oops`)).toEqual({
      ok: false,
      message: "has an unterminated ' quote",
    });
    expect(splitArgs(`"oops`)).toEqual({ ok: false, message: 'has an unterminated " quote' });
  });
});

describe('quoteArg and joinArgs', () => {
  it('quotes only when needed', () => {
    expect(quoteArg('--port=3000')).toBe('--port=3000');
    expect(quoteArg('two words')).toBe(`'two words'`);
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg('')).toBe(`''`);
  });

  it('round-trips through splitArgs', () => {
    const args = [
      'plain',
      'two words',
      "it's",
      '',
      'a"b',
      '$HOME',
      'back\\slash',
      'new\nline',
      '中文',
    ];
    expect(splitArgs(joinArgs(args))).toEqual({ ok: true, args });
  });
});
