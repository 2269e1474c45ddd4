import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { inputClass } from '../ui/Field';
import type { PagedList } from './usePagedList';

/**
 * A text search and a status choice above a paged list, both applied by the
 * server (`q` and `status`); typing waits a moment before it asks again.
 */
export function ListFilterBar({
  list,
  statuses,
}: {
  list: PagedList;
  statuses: readonly string[];
}) {
  const { t } = useI18n();
  const [text, setText] = useState(list.filters.q ?? '');
  const current = list.filters.q ?? '';
  useEffect(() => {
    if (text === current) return undefined;
    const timer = setTimeout(() => {
      list.setFilter('q', text);
    }, 250);
    return () => {
      clearTimeout(timer);
    };
  }, [text, current, list]);
  return (
    <div className="mb-3 flex flex-wrap gap-2">
      <input
        type="search"
        aria-label={t('paging.search')}
        placeholder={t('paging.search')}
        className={`${inputClass} max-w-xs`}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
        }}
      />
      <select
        aria-label={t('paging.status')}
        className={`${inputClass} max-w-[12rem]`}
        value={list.filters.status ?? ''}
        onChange={(event) => {
          list.setFilter('status', event.target.value);
        }}
      >
        <option value="">{t('paging.anyStatus')}</option>
        {statuses.map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </select>
    </div>
  );
}
