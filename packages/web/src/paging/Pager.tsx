import { useI18n } from '../i18n/I18nProvider';
import { Button } from '../ui/Button';
import type { PageInfo, PagedList } from './usePagedList';

/** Previous / next under a paged list, with the page number and how many match in all. */
export function Pager({ list, info }: { list: PagedList; info: PageInfo }) {
  const { t } = useI18n();
  return (
    <nav
      aria-label={t('paging.label')}
      className="mt-3 flex items-center justify-between gap-2 text-sm"
    >
      <span className="text-slate-600 dark:text-slate-400">
        {t('paging.position', { page: list.page, total: info.total })}
      </span>
      <div className="flex gap-2">
        <Button
          size="sm"
          disabled={list.page === 1}
          onClick={() => {
            list.previous();
          }}
        >
          {t('common.previous')}
        </Button>
        <Button
          size="sm"
          disabled={!info.nextCursor}
          onClick={() => {
            list.next(info.nextCursor);
          }}
        >
          {t('common.next')}
        </Button>
      </div>
    </nav>
  );
}
