import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/I18nProvider';
import { Button, Spinner } from './Button';
import { cx } from './cx';

export function Loading({ label, className }: { label?: string; className?: string }) {
  const { t } = useI18n();
  return (
    <div
      role="status"
      className={cx(
        'flex items-center gap-2 py-8 text-sm text-slate-600 justify-center dark:text-slate-400',
        className,
      )}
    >
      <Spinner />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Empty({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed border-slate-300 px-4 py-10 text-center dark:border-slate-700">
      <p className="font-medium text-slate-800 dark:text-slate-200">{title}</p>
      {children && (
        <div className="max-w-prose text-sm text-slate-600 dark:text-slate-400">{children}</div>
      )}
      {action}
    </div>
  );
}

/** The code and message of a failure, as the server gave them. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useI18n();
  const coded = error instanceof ApiError ? error : null;
  const message = coded?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/60 dark:text-red-200"
    >
      <p>
        {coded && <code className="mr-2 font-mono text-xs font-semibold">{coded.code}</code>}
        {message}
      </p>
      {coded && coded.problems.length > 0 && (
        <ul className="mt-1 list-inside list-disc text-xs">
          {coded.problems.map((p) => (
            <li key={`${p.path}:${p.message}`}>
              <code>{p.path || '/'}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      {coded?.status === 0 && <p className="mt-1 text-xs">{t('error.network')}</p>}
    </div>
  );
}

/** A screen's error state: what failed, and a way to try again. */
export function ErrorState({
  error,
  onRetry,
  notAvailable,
}: {
  error: unknown;
  onRetry?: () => void;
  /** Shown instead when the endpoint does not exist on this server. */
  notAvailable?: ReactNode;
}) {
  const { t } = useI18n();
  if (notAvailable !== undefined && error instanceof ApiError && error.missingEndpoint) {
    return (
      <div className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-6 text-center text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950/50 dark:text-amber-100">
        {notAvailable}
      </div>
    );
  }
  return (
    <div className="space-y-3 py-4">
      <ErrorMessage error={error} />
      {onRetry && (
        <Button size="sm" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      )}
    </div>
  );
}

/**
 * Renders a query's loading, error, empty or data state, so no screen forgets
 * one of them.
 */
export function QueryView<T>({
  query,
  isEmpty,
  empty,
  notAvailable,
  loading,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  notAvailable?: ReactNode;
  loading?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <>{loading ?? <Loading />}</>;
  if (query.isError) {
    return (
      <ErrorState
        error={query.error}
        notAvailable={notAvailable}
        onRetry={() => {
          void query.refetch();
        }}
      />
    );
  }
  if (isEmpty?.(query.data) && empty !== undefined) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
