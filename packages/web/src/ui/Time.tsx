import { DATE_TIME_PARTS, useI18n } from '../i18n/I18nProvider';

/** The exact moment, in the viewer's zone with its offset, as the tooltip of every time shown. */
export function exactTime(value: string | number | Date, language: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const exact = new Intl.DateTimeFormat(language, {
    ...DATE_TIME_PARTS,
    fractionalSecondDigits: 3,
    timeZoneName: 'longOffset',
  }).format(date);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `${exact} (${zone})`;
}

/**
 * A time as the dashboard shows every one: in the viewer's zone and language, short
 * (`format="time"`: 14:03:07) or with the date; hovering shows the exact moment with its zone.
 * A missing time is a dash.
 */
export function Time({
  value,
  format = 'dateTime',
  className,
}: {
  value: string | number | Date | null | undefined;
  format?: 'dateTime' | 'time';
  className?: string;
}) {
  const { language, dateTime, time } = useI18n();
  if (value === null || value === undefined || value === '') return <>—</>;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return <>—</>;
  return (
    <time
      dateTime={date.toISOString()}
      title={exactTime(date, language)}
      className={className}
      data-time=""
    >
      {format === 'time' ? time(date) : dateTime(date)}
    </time>
  );
}
