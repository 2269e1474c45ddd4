import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };
const KEY = 'codedance.language';

/** The language kept in this browser, else the first of the browser's languages we speak. */
export function initialLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored === 'en' || stored === 'zh-CN') return stored;
  for (const tag of browser) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

/** Fills `{name}` placeholders. */
export function format(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
  /** True when `key` has a text (for words that come from the server, such as statuses). */
  has: (key: string) => key is MessageKey;
  /** Dates and times in the chosen language. */
  dateTime: (value: string | number | Date | null | undefined) => string;
  time: (value: string | number | Date | null | undefined) => string;
  number: (value: number, digits?: number) => string;
}

/** How a date and time are written: numbers, 24 hours, to the second. */
export const DATE_TIME_PARTS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
};

const I18nContext = createContext<I18n | null>(null);

function readStored(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function I18nProvider({
  children,
  language: fixed,
}: {
  children: ReactNode;
  language?: Language;
}) {
  const [language, setLanguageState] = useState<Language>(
    () => fixed ?? initialLanguage(readStored(), navigator.languages),
  );
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Not kept: the choice lasts for this tab.
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const dictionary = DICTIONARIES[language];
    const dateTimeFormat = new Intl.DateTimeFormat(language, DATE_TIME_PARTS);
    const timeFormat = new Intl.DateTimeFormat(language, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    const toDate = (v: string | number | Date | null | undefined): Date | null => {
      if (v === null || v === undefined || v === '') return null;
      const d = v instanceof Date ? v : new Date(v);
      return Number.isNaN(d.getTime()) ? null : d;
    };
    return {
      language,
      setLanguage,
      t: (key, params) => format(dictionary[key], params),
      has: (key): key is MessageKey => key in dictionary,
      dateTime: (v) => {
        const d = toDate(v);
        return d === null ? '—' : dateTimeFormat.format(d);
      },
      time: (v) => {
        const d = toDate(v);
        return d === null ? '—' : timeFormat.format(d);
      },
      number: (v, digits = 0) =>
        new Intl.NumberFormat(language, {
          maximumFractionDigits: digits,
          minimumFractionDigits: digits,
        }).format(v),
    };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The chosen language, its translations and formats. */
export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === null) throw new Error('useI18n needs an I18nProvider');
  return value;
}
