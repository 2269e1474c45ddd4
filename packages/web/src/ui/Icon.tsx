import { cx } from './cx';

/** Outline icons, 24×24, drawn with the current colour. */
const PATHS = {
  overview: 'M4 13h6V4H4v9Zm0 7h6v-5H4v5Zm10 0h6v-9h-6v9Zm0-16v5h6V4h-6Z',
  deployments:
    'M12 3c3 2 5 5 5 9l-2 3H9l-2-3c0-4 2-7 5-9Zm0 6.5a1.5 1.5 0 1 0 0 .01M9 15l-2 4 3-1m5-3 2 4-3-1',
  canaries: 'M4 18h16M6 14l4-4 3 3 5-6M18 7v4m0-4h-4',
  services: 'M4 5h16v5H4V5Zm0 9h16v5H4v-5Zm3-6.5h.01M7 16.5h.01',
  tasks: 'M9 6h11M9 12h11M9 18h11M4 6l1 1 2-2M4 12l1 1 2-2M4 18l1 1 2-2',
  logs: 'M5 4h14v16H5V4Zm3 4h8m-8 4h8m-8 4h5',
  system: 'M4 5h16v11H4V5Zm5 15h6m-3-4v4M7 12l2-3 2 2 3-4 3 5',
  settings:
    'M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm7.4 3.5-.1-1.2 2-1.6-2-3.4-2.4.9a7 7 0 0 0-2-1.2L14.5 3h-4l-.4 2.5a7 7 0 0 0-2 1.2l-2.4-.9-2 3.4 2 1.6a7 7 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-.9a7 7 0 0 0 2 1.2l.4 2.5h4l.4-2.5a7 7 0 0 0 2-1.2l2.4.9 2-3.4-2-1.6.1-1.2Z',
  menu: 'M4 6h16M4 12h16M4 18h16',
  close: 'M6 6l12 12M18 6 6 18',
  key: 'M14 10a4 4 0 1 0-3.9 4H11l1 1h2v2h2v2h3v-3l-5-4.1V10Z',
  refresh: 'M20 11a8 8 0 0 0-14.9-3M4 4v4h4m-4 5a8 8 0 0 0 14.9 3M20 20v-4h-4',
  download: 'M12 4v11m0 0-4-4m4 4 4-4M5 20h14',
  search: 'M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14Zm9 2-4.3-4.3',
  plus: 'M12 5v14M5 12h14',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      className={cx('size-4 shrink-0', className)}
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
