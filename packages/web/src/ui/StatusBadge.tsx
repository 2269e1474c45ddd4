import { useI18n } from '../i18n/I18nProvider';
import { cx } from './cx';

export type Tone = 'green' | 'blue' | 'amber' | 'red' | 'gray';

const TONES: Record<Tone, string> = {
  green:
    'bg-green-100 text-green-800 ring-green-600/20 dark:bg-green-950 dark:text-green-300 dark:ring-green-400/30',
  blue: 'bg-blue-100 text-blue-800 ring-blue-600/20 dark:bg-blue-950 dark:text-blue-300 dark:ring-blue-400/30',
  amber:
    'bg-amber-100 text-amber-900 ring-amber-600/30 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-400/30',
  red: 'bg-red-100 text-red-800 ring-red-600/20 dark:bg-red-950 dark:text-red-300 dark:ring-red-400/30',
  gray: 'bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-400/30',
};

const DOTS: Record<Tone, string> = {
  green: 'bg-green-600 dark:bg-green-400',
  blue: 'bg-blue-600 dark:bg-blue-400',
  amber: 'bg-amber-500 dark:bg-amber-400',
  red: 'bg-red-600 dark:bg-red-400',
  gray: 'bg-slate-400',
};

const BY_STATUS: Record<string, Tone> = {
  COMPLETED: 'green',
  SUCCESS: 'green',
  SUCCEEDED: 'green',
  ONLINE: 'green',
  PASS: 'green',
  OK: 'green',
  RUNNING: 'blue',
  PROGRESSING: 'blue',
  STARTING: 'blue',
  WARM: 'blue',
  PENDING: 'gray',
  PAUSED: 'amber',
  UNREADY: 'amber',
  BACKOFF: 'amber',
  STOPPING: 'amber',
  INCONCLUSIVE: 'amber',
  QUEUED: 'amber',
  FAILED: 'red',
  ROLLED_BACK: 'red',
  EXCEPTION: 'red',
  CRASHLOOP: 'red',
  ERRORED: 'red',
  FAIL: 'red',
  IDLE: 'gray',
  DISABLED: 'gray',
  STOPPED: 'gray',
  SKIPPED: 'gray',
};

/** The colour of a status, phase, state or verdict, whatever its case. */
export function statusTone(status: string): Tone {
  return BY_STATUS[status.toUpperCase()] ?? 'gray';
}

/** A status word with its colour; the word is translated when we know it. */
export function StatusBadge({ status, className }: { status: string; className?: string }) {
  const { t, has } = useI18n();
  const tone = statusTone(status);
  const key = `status.${status.toUpperCase()}`;
  const label = has(key) ? t(key) : status;
  return (
    <span
      className={cx(
        'inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset',
        TONES[tone],
        className,
      )}
    >
      <span aria-hidden="true" className={cx('size-1.5 rounded-full', DOTS[tone])} />
      {label}
    </span>
  );
}
