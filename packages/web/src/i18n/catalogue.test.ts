import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-CN';

/** `{count}`, `{name}`: what a message fills in. */
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Messages that are names in both languages (a program, a file, a schedule syntax). */
const NAMES = new Set(['Node.js', 'config.json', 'Cron', 'cron {cron}']);

/** Words the same in both languages: names, units, codes. */
const SAME_IN_BOTH =
  /^[\sA-Z0-9_.,:;/%+\-–—()[\]{}'"<>=…·|@#&*]*$|Codedance|PM2|CPU|PID|JSON|CSV|URL|HTTP|TCP/;

describe('the zh-CN catalogue', () => {
  const english = Object.keys(en).sort();
  const chinese = Object.keys(zhCN).sort();

  it('has every key of the English one, and no other', () => {
    expect(english.filter((key) => !(key in zhCN))).toEqual([]);
    expect(chinese.filter((key) => !(key in en))).toEqual([]);
  });

  it('fills in the same placeholders as English in every message', () => {
    const differ = english.filter(
      (key) =>
        JSON.stringify(placeholders(en[key as keyof typeof en])) !==
        JSON.stringify(placeholders(zhCN[key as keyof typeof en])),
    );
    expect(differ).toEqual([]);
  });

  it('translates every message that holds English words', () => {
    const untranslated = english.filter((key) => {
      const text = zhCN[key as keyof typeof en];
      return (
        text === en[key as keyof typeof en] &&
        /[a-z]{3,}/.test(text) &&
        !NAMES.has(text) &&
        !SAME_IN_BOTH.test(text)
      );
    });
    expect(untranslated).toEqual([]);
  });
});
