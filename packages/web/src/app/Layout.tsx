import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { api, onUnauthorized } from '../api/client';
import { SignInDialog, type SignInReason } from '../features/auth/SignInDialog';
import { LANGUAGES, useI18n, type Language } from '../i18n/I18nProvider';
import type { MessageKey } from '../i18n/en';
import { useLiveState } from '../live/LiveProvider';
import { THEMES, useTheme, type Theme } from '../theme/ThemeProvider';
import { cx } from '../ui/cx';
import { Icon, type IconName } from '../ui/Icon';

const NAV: { path: string; label: MessageKey; icon: IconName }[] = [
  { path: '/', label: 'nav.overview', icon: 'overview' },
  { path: '/deployments', label: 'nav.deployments', icon: 'deployments' },
  { path: '/canaries', label: 'nav.canaries', icon: 'canaries' },
  { path: '/services', label: 'nav.services', icon: 'services' },
  { path: '/tasks', label: 'nav.tasks', icon: 'tasks' },
  { path: '/logs', label: 'nav.logs', icon: 'logs' },
  { path: '/system', label: 'nav.system', icon: 'system' },
  { path: '/settings', label: 'nav.settings', icon: 'settings' },
];

function isCurrent(path: string, location: string): boolean {
  return path === '/' ? location === '/' : location === path || location.startsWith(`${path}/`);
}

function LiveIndicator() {
  const { t } = useI18n();
  const state = useLiveState();
  const tone = {
    open: 'bg-green-600 dark:bg-green-400',
    connecting: 'bg-blue-500',
    reconnecting: 'bg-amber-500',
    paused: 'bg-slate-400',
  }[state];
  return (
    <span
      className="inline-flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400"
      role="status"
    >
      <span
        aria-hidden="true"
        className={cx('size-2 rounded-full', tone, state === 'open' && 'animate-pulse')}
      />
      {t(`live.${state}`)}
    </span>
  );
}

function Preferences() {
  const { t, language, setLanguage } = useI18n();
  const { theme, setTheme } = useTheme();
  const select =
    'rounded-md border border-slate-300 bg-white px-2 py-1 text-xs dark:border-slate-600 dark:bg-slate-900';
  return (
    <div className="flex items-center gap-2">
      <label className="sr-only" htmlFor="pref-language">
        {t('prefs.language')}
      </label>
      <select
        id="pref-language"
        className={select}
        value={language}
        onChange={(event) => {
          setLanguage(event.target.value as Language);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {l === 'en' ? 'English' : '中文'}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor="pref-theme">
        {t('prefs.theme')}
      </label>
      <select
        id="pref-theme"
        className={select}
        value={theme}
        onChange={(event) => {
          setTheme(event.target.value as Theme);
        }}
      >
        {THEMES.map((th) => (
          <option key={th} value={th}>
            {t(`prefs.theme.${th}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A used or expired sign-in link lands on `/?signin=expired`. Read once, when the page loads
 * (the address is cleaned right after, and the frame may be drawn again later).
 */
const ARRIVED_FROM_USED_LINK =
  typeof window !== 'undefined' &&
  new URLSearchParams(window.location.search).get('signin') === 'expired';

/** The frame of every screen: navigation, preferences, the live indicator and the token prompt. */
export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const client = useQueryClient();
  const [signIn, setSignIn] = useState<SignInReason | null>(
    ARRIVED_FROM_USED_LINK ? 'expired' : null,
  );

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    if (params.has('signin')) {
      params.delete('signin');
      const query = params.toString();
      window.history.replaceState(
        null,
        '',
        `${window.location.pathname}${query === '' ? '' : `?${query}`}`,
      );
    }
  }, []);
  useEffect(
    () =>
      onUnauthorized(() => {
        setSignIn((open) => open ?? 'required');
      }),
    [],
  );
  const signOut = async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    // Nothing of this server stays on screen once signed out.
    client.clear();
    setSignIn('signed-out');
  };
  useEffect(() => {
    setMenuOpen(false);
  }, [location]);
  // The tab's title names the screen, for tabs, history and screen readers.
  useEffect(() => {
    const item = NAV.find((n) => isCurrent(n.path, location));
    document.title = item ? `${t(item.label)} · Codedance` : 'Codedance';
  }, [location, t]);

  const nav = (
    <ul className="space-y-0.5">
      {NAV.map((item) => {
        const current = isCurrent(item.path, location);
        return (
          <li key={item.path}>
            <Link
              href={item.path}
              aria-current={current ? 'page' : undefined}
              className={cx(
                'flex items-center gap-2.5 rounded-md px-3 py-2 text-sm font-medium',
                current
                  ? 'bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200'
                  : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
              )}
            >
              <Icon name={item.icon} />
              {t(item.label)}
            </Link>
          </li>
        );
      })}
    </ul>
  );

  return (
    <div className="min-h-screen md:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm dark:focus:bg-slate-900"
      >
        {t('nav.skip')}
      </a>
      <aside className="hidden w-56 shrink-0 border-r border-slate-200 bg-white md:flex md:flex-col dark:border-slate-800 dark:bg-slate-900">
        <div className="flex h-14 items-center gap-2 px-4 font-semibold">
          <span
            aria-hidden="true"
            className="grid size-7 place-items-center rounded-md bg-blue-600 text-xs text-white"
          >
            CD
          </span>
          Codedance
        </div>
        <nav aria-label={t('nav.label')} className="flex-1 px-2 py-2">
          {nav}
        </nav>
        <div className="border-t border-slate-200 px-4 py-3 dark:border-slate-800">
          <LiveIndicator />
        </div>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-slate-200 bg-white/90 px-3 backdrop-blur sm:px-4 dark:border-slate-800 dark:bg-slate-900/90">
          <button
            type="button"
            className="rounded-md p-2 text-slate-700 hover:bg-slate-100 md:hidden dark:text-slate-200 dark:hover:bg-slate-800"
            aria-expanded={menuOpen}
            aria-controls="mobile-nav"
            aria-label={menuOpen ? t('nav.closeMenu') : t('nav.openMenu')}
            onClick={() => {
              setMenuOpen((open) => !open);
            }}
          >
            <Icon name={menuOpen ? 'close' : 'menu'} className="size-5" />
          </button>
          <span className="hidden font-semibold min-[420px]:inline md:hidden">Codedance</span>
          <div className="ml-auto flex items-center gap-1.5 sm:gap-3">
            <span className="hidden sm:inline md:hidden">
              <LiveIndicator />
            </span>
            <Preferences />
            <button
              type="button"
              className="rounded-md p-2 text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800"
              aria-label={t('signin.signOut')}
              title={t('signin.signOut')}
              onClick={() => {
                void signOut();
              }}
            >
              <Icon name="key" />
            </button>
          </div>
        </header>
        {menuOpen && (
          <nav
            id="mobile-nav"
            aria-label={t('nav.label')}
            className="border-b border-slate-200 bg-white px-2 py-2 md:hidden dark:border-slate-800 dark:bg-slate-900"
          >
            {nav}
          </nav>
        )}
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-3 py-5 sm:px-6">
          {children}
        </main>
      </div>
      {signIn !== null && (
        <SignInDialog
          reason={signIn}
          onClose={() => {
            setSignIn(null);
          }}
        />
      )}
    </div>
  );
}
