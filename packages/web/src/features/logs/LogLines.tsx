import { Time } from '../../ui/Time';
import { useEffect, useRef } from 'react';
import type { LogEntry, LogLevel } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { cx } from '../../ui/cx';

const LEVEL_CLASSES: Record<LogLevel, string> = {
  DEBUG: 'text-slate-400',
  INFO: 'text-sky-300',
  WARNING: 'text-amber-300',
  ERROR: 'text-red-300',
};

/** Where a line came from: `task/nightly#run` or `service/web[0]`. */
export function sourceLabel(entry: LogEntry): string {
  const { source } = entry;
  const suffix =
    source.kind === 'task'
      ? source.run
        ? `#${source.run.slice(-6)}`
        : ''
      : source.instance === undefined
        ? ''
        : `[${source.instance}]`;
  return `${source.kind}/${source.id}${suffix}`;
}

/**
 * A terminal-like list of log lines that keeps the newest in view while the
 * reader is at the bottom, and leaves the scroll alone when they are not.
 */
export function LogLines({
  entries,
  showSource = true,
  height = 'h-96',
  label,
}: {
  entries: readonly LogEntry[];
  showSource?: boolean;
  height?: string;
  label: string;
}) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    const node = box.current;
    if (node && atBottom.current) node.scrollTop = node.scrollHeight;
  }, [entries]);
  return (
    <div
      ref={box}
      role="log"
      aria-label={label}
      aria-live="off"
      tabIndex={0}
      onScroll={(event) => {
        const node = event.currentTarget;
        atBottom.current = node.scrollHeight - node.scrollTop - node.clientHeight < 24;
      }}
      className={cx(
        'relative overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-5 text-slate-100',
        height,
      )}
    >
      {entries.length === 0 ? (
        <p className="text-slate-400">{t('logs.waiting')}</p>
      ) : (
        entries.map((entry) => (
          <div key={entry.seq} className="whitespace-pre-wrap break-all" data-level={entry.level}>
            <Time value={entry.time} format="time" className="text-slate-400" />{' '}
            <span className={cx('inline-block w-16 font-semibold', LEVEL_CLASSES[entry.level])}>
              {entry.level}
            </span>
            {showSource && <span className="text-violet-300">{sourceLabel(entry)} </span>}
            {entry.stream === 'system' ? (
              <span className="text-slate-300 italic">{entry.line}</span>
            ) : (
              entry.line
            )}
          </div>
        ))
      )}
    </div>
  );
}
