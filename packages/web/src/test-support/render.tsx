import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { I18nProvider, type Language } from '../i18n/I18nProvider';
import { LiveConnection, type SocketLike } from '../live/connection';
import { LiveProvider } from '../live/LiveProvider';
import { ThemeProvider } from '../theme/ThemeProvider';

/** jsdom has no matchMedia; the theme and uPlot ask it. */
export function stubMatchMedia(dark = false): void {
  vi.stubGlobal(
    'matchMedia',
    (query: string) =>
      ({
        matches: dark && query.includes('dark'),
        media: query,
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
        addListener: () => undefined,
        removeListener: () => undefined,
        onchange: null,
        dispatchEvent: () => false,
      }) as unknown as MediaQueryList,
  );
}

/** A live connection whose socket never opens: components subscribe, nothing arrives. */
export function quietConnection(): LiveConnection {
  const socket: SocketLike = {
    readyState: 0,
    send: () => undefined,
    close: () => undefined,
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  };
  return new LiveConnection({
    url: () => 'ws://test/ws',
    createSocket: () => socket,
    visibility: { hidden: () => false, subscribe: () => () => undefined },
  });
}

export interface Rendered extends RenderResult {
  client: QueryClient;
  /** The paths the app navigated to, newest last. */
  history: string[];
}

/** Renders a piece of the dashboard with every provider it needs, at `path`. */
export function renderWithApp(
  ui: ReactNode,
  options: { path?: string; language?: Language } = {},
): Rendered {
  stubMatchMedia();
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
  const location = memoryLocation({ path: options.path ?? '/', record: true });
  const result = render(
    <ThemeProvider>
      <I18nProvider language={options.language ?? 'en'}>
        <QueryClientProvider client={client}>
          <LiveProvider connection={quietConnection()}>
            <Router hook={location.hook} searchHook={location.searchHook}>
              {ui}
            </Router>
          </LiveProvider>
        </QueryClientProvider>
      </I18nProvider>
    </ThemeProvider>,
  );
  return { ...result, client, history: location.history };
}

export interface FakeRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

type Answer = { status?: number; body?: unknown; headers?: Record<string, string> } | undefined;

/**
 * Replaces fetch with `answer`, which sees each request and says what the
 * server answers (undefined: a JSON 404 "no such endpoint"). Returns the
 * requests made, oldest first.
 */
export function fakeServer(answer: (request: FakeRequest) => Answer): FakeRequest[] {
  const requests: FakeRequest[] = [];
  vi.stubGlobal('fetch', (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://codedance.test');
    const request: FakeRequest = {
      method: init.method ?? 'GET',
      url,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    requests.push(request);
    const given = answer(request) ?? {
      status: 404,
      body: {
        error: {
          code: 'CD_ROUTE_NOT_FOUND',
          message: `No endpoint ${request.method} ${url.pathname}.`,
        },
      },
    };
    const status = given.status ?? 200;
    return Promise.resolve(
      new Response(status === 204 ? null : JSON.stringify(given.body ?? {}), {
        status,
        headers: { 'content-type': 'application/json', ...given.headers },
      }),
    );
  });
  return requests;
}
