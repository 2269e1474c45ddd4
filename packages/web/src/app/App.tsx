import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../api/client';
import { I18nProvider } from '../i18n/I18nProvider';
import { LiveProvider } from '../live/LiveProvider';
import { ThemeProvider } from '../theme/ThemeProvider';
import { Layout } from './Layout';
import { Routes } from './routes';

/** Answers that will not change by asking again: a 4xx is not retried. */
function retry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry, staleTime: 5_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}

export function App() {
  const [client] = useState(createQueryClient);
  return (
    <ThemeProvider>
      <I18nProvider>
        <QueryClientProvider client={client}>
          <LiveProvider>
            <Layout>
              <Routes />
            </Layout>
          </LiveProvider>
        </QueryClientProvider>
      </I18nProvider>
    </ThemeProvider>
  );
}
