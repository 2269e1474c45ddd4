import type { ReactNode } from 'react';
import { cx } from './cx';

/**
 * A region that scrolls (wide tables on a phone, long lists), reachable from
 * the keyboard. It positions its content, so visually hidden labels inside a
 * wide table do not widen the page.
 */
export function ScrollArea({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className={cx('relative overflow-auto', className)}
    >
      {children}
    </div>
  );
}
