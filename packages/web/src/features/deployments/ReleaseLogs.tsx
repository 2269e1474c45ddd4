import { Time } from '../../ui/Time';
import { useState } from 'react';
import type { Deployment } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';

const SHOWN = 50;

/** Seed 003's deployment log: `[10:00:00] message`, the newest last. */
export function ReleaseLogs({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const [all, setAll] = useState(false);
  const logs = deployment.logs;
  if (logs.length === 0)
    return <p className="text-sm text-slate-600 dark:text-slate-400">{t('release.logs.none')}</p>;
  const shown = all ? logs : logs.slice(-SHOWN);
  return (
    <div className="space-y-2">
      <div
        role="log"
        aria-label={t('release.logs.title')}
        tabIndex={0}
        className="relative max-h-96 overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs text-slate-100"
      >
        <ol>
          {shown.map((line, i) => (
            <li key={`${line.time}-${i}`} className="whitespace-pre-wrap">
              <span className="text-slate-400">
                [<Time value={line.time} format="time" />]
              </span>{' '}
              {line.message}
            </li>
          ))}
        </ol>
      </div>
      {logs.length > SHOWN && (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => {
            setAll((v) => !v);
          }}
        >
          {all ? t('release.logs.fewer') : t('release.logs.all', { count: logs.length })}
        </Button>
      )}
    </div>
  );
}
