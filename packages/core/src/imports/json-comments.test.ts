import { describe, expect, it } from 'vitest';
import { stripJsonComments } from './json-comments.js';

describe('stripJsonComments', () => {
  it('removes # and // comments to the end of the line', () => {
    const text = '{\n  "a": 1, # one\n  "b": 2 // two\n}';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ a: 1, b: 2 });
  });

  it('removes block comments and keeps their line breaks', () => {
    const stripped = stripJsonComments('{ /* a\nb */ "a": 1 }');
    expect(stripped.split('\n')).toHaveLength(2);
    expect(JSON.parse(stripped)).toEqual({ a: 1 });
  });

  it('leaves comment markers inside strings alone', () => {
    const text = '{ "url": "http://x/#frag", "q": "say \\"# hi\\" // now", "p": "/*x*/" } # end';
    expect(JSON.parse(stripJsonComments(text))).toEqual({
      url: 'http://x/#frag',
      q: 'say "# hi" // now',
      p: '/*x*/',
    });
  });

  it('keeps positions, so parse errors still point at the right place', () => {
    const text = '{ "a": 1 # c\n}';
    expect(stripJsonComments(text)).toHaveLength(text.length);
  });

  it('copes with unterminated comments and strings', () => {
    expect(stripJsonComments('1 /* open')).toBe('1        ');
    expect(stripJsonComments('"open # x')).toBe('"open # x');
  });
});
