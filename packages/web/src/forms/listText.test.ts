import { describe, expect, it } from 'vitest';
import {
  argsFitLines,
  argsFromText,
  argsToText,
  convertList,
  envFitsLines,
  envFromText,
  envToText,
} from './listText';

describe('arguments as text', () => {
  it('reads one argument per line, with its spaces, quotes and backslashes as typed', () => {
    const text = [
      '-e',
      'require(\'http\').createServer((q, s) => s.end("ok")).listen(process.env.PORT)',
      '',
      '  --name = two words  ',
      '$HOME; rm -rf / \\n',
      '   ',
    ].join('\n');
    expect(argsFromText(text, 'lines')).toEqual({
      ok: true,
      value: [
        '-e',
        'require(\'http\').createServer((q, s) => s.end("ok")).listen(process.env.PORT)',
        '  --name = two words  ',
        '$HOME; rm -rf / \\n',
      ],
    });
    expect(argsFromText('a\r\nb\r\n', 'lines')).toEqual({ ok: true, value: ['a', 'b'] });
  });

  it('writes back exactly what it read, when every argument fits on a line', () => {
    const args = ['-e', 'console.log("a b")', ' padded ', '=', '--flag=x=y'];
    expect(argsFitLines(args)).toBe(true);
    expect(argsFromText(argsToText(args, 'lines'), 'lines')).toEqual({ ok: true, value: args });
  });

  it('keeps empty and multi-line arguments in JSON, which lines cannot hold', () => {
    const args = ['', 'one\ntwo', 'tab\there', 'cr\r'];
    expect(args.map((a) => argsFitLines([a]))).toEqual([false, false, true, false]);
    const json = argsToText(args, 'json');
    expect(argsFromText(json, 'json')).toEqual({ ok: true, value: args });
    expect(argsFromText('', 'json')).toEqual({ ok: true, value: [] });
  });

  it('says what is wrong with JSON that is not an array of strings', () => {
    expect(argsFromText('["a", ', 'json')).toEqual({ ok: false, problem: { message: 'json' } });
    expect(argsFromText('["a", 1]', 'json')).toEqual({
      ok: false,
      problem: { message: 'jsonArgs' },
    });
    expect(argsFromText('{"a": "b"}', 'json')).toEqual({
      ok: false,
      problem: { message: 'jsonArgs' },
    });
  });
});

describe('environment as text', () => {
  it('takes the name before the first = and everything after it as the value', () => {
    expect(
      envFromText(
        'DB_URL=postgres://u:p@h/db?a=b\n\n  SPACED =  kept  \nEMPTY=\n__proto__=x',
        'lines',
      ),
    ).toEqual({
      ok: true,
      value: {
        DB_URL: 'postgres://u:p@h/db?a=b',
        SPACED: '  kept  ',
        EMPTY: '',
        // A variable like any other, not the object's prototype.
        ['__proto__']: 'x',
      },
    });
  });

  it('names the line that is not NAME=value, or that repeats a name', () => {
    expect(envFromText('A=1\nno equals sign', 'lines')).toEqual({
      ok: false,
      problem: { message: 'envLine', line: 2 },
    });
    expect(envFromText('1BAD=x', 'lines')).toEqual({
      ok: false,
      problem: { message: 'envLine', line: 1 },
    });
    expect(envFromText('A=1\nB=2\nA=3', 'lines')).toEqual({
      ok: false,
      problem: { message: 'envRepeat', line: 3, name: 'A' },
    });
  });

  it('writes back exactly what it read', () => {
    const env = { A: ' 1 ', B: 'x=y', C: '' };
    expect(envFitsLines(env)).toBe(true);
    expect(envFromText(envToText(env, 'lines'), 'lines')).toEqual({ ok: true, value: env });
    const multi = { CERT: '-----BEGIN-----\nabc\n-----END-----' };
    expect(envFitsLines(multi)).toBe(false);
    expect(envFromText(envToText(multi, 'json'), 'json')).toEqual({ ok: true, value: multi });
  });

  it('refuses JSON that is not an object of strings', () => {
    for (const text of ['[]', 'null', '{"A": 1}', '"A=1"']) {
      expect(envFromText(text, 'json')).toEqual({ ok: false, problem: { message: 'jsonEnv' } });
    }
  });
});

describe('switching between lines and JSON', () => {
  it('rewrites the same list the other way', () => {
    expect(convertList('args', 'a\nb c', 'lines', 'json')).toEqual({
      ok: true,
      value: '[\n  "a",\n  "b c"\n]',
    });
    expect(convertList('env', '{"A": "1 2"}', 'json', 'lines')).toEqual({
      ok: true,
      value: 'A=1 2',
    });
  });

  it('refuses to put into lines what lines cannot hold, and text that does not read', () => {
    expect(convertList('args', '["", "x"]', 'json', 'lines')).toEqual({
      ok: false,
      problem: { message: 'notLines' },
    });
    expect(convertList('env', '{"A": "1\\n2"}', 'json', 'lines')).toEqual({
      ok: false,
      problem: { message: 'notLines' },
    });
    expect(convertList('env', 'oops', 'lines', 'json')).toEqual({
      ok: false,
      problem: { message: 'envLine', line: 1 },
    });
  });
});
