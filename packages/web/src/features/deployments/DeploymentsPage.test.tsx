// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithApp } from '../../test-support/render';
import { DeploymentsPage } from './DeploymentsPage';
import { deploymentPage } from './test-support/fixtures';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const listRequests = (requests: { url: URL }[]) =>
  requests
    .filter((r) => r.url.pathname === '/api/deployments')
    .map((r) => Object.fromEntries(r.url.searchParams));

describe('deployments list', () => {
  it("shows seed 003's columns for each release, from the server's page", async () => {
    fakeServer(({ url }) =>
      url.pathname === '/api/deployments' ? { body: deploymentPage() } : undefined,
    );
    renderWithApp(<DeploymentsPage />, { path: '/deployments' });
    const table = await screen.findByRole('table');
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent);
    expect(headers.slice(0, 8)).toEqual([
      'Time',
      'App',
      'Version',
      'Environment',
      'Strategy',
      'Status',
      'Duration',
      'Executor',
    ]);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('shop');
    expect(rows[0]?.textContent).toContain('Running');
    expect(rows[1]?.textContent).toContain('Rolled back');
    expect(rows[1]?.textContent).toContain('error rate 12.5% > 5%');
    expect(rows[1]?.textContent).toContain('14 min 00 s');
    expect(
      within(rows[0] as HTMLElement)
        .getByRole('link', { name: /Details/ })
        .getAttribute('href'),
    ).toBe('/deployments/dep-20261202-8k2m1x');
    expect(screen.getByText('2 deployments')).toBeTruthy();
  });

  it('asks the server again with each filter, and keeps the filters in the URL', async () => {
    const requests = fakeServer(({ url }) =>
      url.pathname === '/api/deployments' ? { body: deploymentPage() } : undefined,
    );
    const { history } = renderWithApp(<DeploymentsPage />, { path: '/deployments' });
    await screen.findByRole('table');
    expect(listRequests(requests)[0]).toMatchObject({ limit: '20' });
    expect(listRequests(requests)[0]?.from).toBeDefined();

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'FAILED' } });
    await waitFor(() => {
      expect(listRequests(requests).at(-1)).toMatchObject({ status: 'FAILED' });
    });
    fireEvent.change(screen.getByLabelText('Environment'), { target: { value: 'production' } });
    await waitFor(() => {
      expect(listRequests(requests).at(-1)).toMatchObject({
        status: 'FAILED',
        environment: 'production',
      });
    });
    fireEvent.change(screen.getByLabelText('Time'), { target: { value: 'all' } });
    await waitFor(() => {
      expect(listRequests(requests).at(-1)?.from).toBeUndefined();
    });
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'shop' } });
    await waitFor(() => {
      expect(listRequests(requests).at(-1)).toMatchObject({ q: 'shop' });
    });
    expect(history.at(-1)).toBe(
      '/deployments?environment=production&status=FAILED&range=all&q=shop',
    );
  });

  it('pages with the cursor the server gives', async () => {
    const requests = fakeServer(({ url }) => {
      if (url.pathname !== '/api/deployments') return undefined;
      const page = deploymentPage();
      return {
        body: url.searchParams.get('cursor')
          ? { ...page, items: page.items.slice(1) }
          : { ...page, nextCursor: 'c2' },
      };
    });
    renderWithApp(<DeploymentsPage />, { path: '/deployments' });
    await screen.findByRole('table');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => {
      expect(listRequests(requests).at(-1)).toMatchObject({ cursor: 'c2' });
    });
    await screen.findByText('Page 2');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Next' }).disabled).toBe(true);
  });

  it('says when nothing matches, and offers to clear the filters', async () => {
    fakeServer(({ url }) =>
      url.pathname === '/api/deployments'
        ? { body: { items: [], total: 0, nextCursor: null } }
        : undefined,
    );
    renderWithApp(<DeploymentsPage />, { path: '/deployments?status=PAUSED' });
    expect(await screen.findByText('No deployment matches these filters')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Clear the filters' })).toBeTruthy();
  });

  it('says deployments are not offered when the server has no such endpoint yet', async () => {
    fakeServer(() => undefined);
    renderWithApp(<DeploymentsPage />, { path: '/deployments' });
    expect(await screen.findByText(/This server does not offer deployments yet/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it("shows the server's code and message when the list fails, with a way to try again", async () => {
    let fail = true;
    fakeServer(({ url }) =>
      url.pathname !== '/api/deployments'
        ? undefined
        : fail
          ? {
              status: 503,
              body: {
                error: {
                  code: 'CD_STORE_UNAVAILABLE',
                  message: 'The store cannot be reached; retry shortly.',
                },
              },
            }
          : { body: deploymentPage() },
    );
    renderWithApp(<DeploymentsPage />, { path: '/deployments' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('CD_STORE_UNAVAILABLE');
    expect(alert.textContent).toContain('The store cannot be reached');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table')).toBeTruthy();
  });
});
