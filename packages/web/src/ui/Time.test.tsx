// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n/I18nProvider';
import { Time } from './Time';

afterEach(cleanup);

describe('Time', () => {
  it('shows a time in the viewer zone with the exact moment and zone on hover', () => {
    render(
      <I18nProvider language="en">
        <Time value="2026-12-07T21:03:07.250Z" />
        <Time value="2026-12-07T21:03:07.250Z" format="time" />
      </I18nProvider>,
    );
    const [full, short] = Array.from(document.querySelectorAll('time'));
    const local = new Date('2026-12-07T21:03:07.250Z');
    const hh = String(local.getHours()).padStart(2, '0');
    expect(full?.dateTime).toBe('2026-12-07T21:03:07.250Z');
    expect(full?.textContent).toContain(`${hh}:03:07`);
    expect(full?.textContent).toContain('2026');
    expect(short?.textContent).toBe(`${hh}:03:07`);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(full?.title).toContain('07.250');
    expect(full?.title).toContain(`(${zone})`);
    expect(full?.title).toMatch(/GMT/);
  });

  it('shows a dash for a missing or unreadable time', () => {
    render(
      <I18nProvider language="zh-CN">
        <span data-testid="none">
          <Time value={null} />
        </span>
        <span data-testid="bad">
          <Time value="not a time" />
        </span>
      </I18nProvider>,
    );
    expect(screen.getByTestId('none').textContent).toBe('—');
    expect(screen.getByTestId('bad').textContent).toBe('—');
    expect(document.querySelectorAll('time')).toHaveLength(0);
  });
});
