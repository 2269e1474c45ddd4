// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Switch } from 'wouter';
import type { Service } from '../../api/types';
import { fakeServer, renderWithApp } from '../../test-support/render';
import { instanceView, serviceView } from '../../test-support/services';
import { ServicesPage } from './ServicesPage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const instance = instanceView;

function web(count: number, states: string[] = ['online']): Service {
  return serviceView(
    {
      args: ['server.js'],
      instances: count,
      port: 8080,
      backoff: { initial_ms: 100, max_ms: 30_000, multiplier: 2, jitter: 0.2, reset_after_ms: 1 },
    },
    states,
    1,
  );
}

/** The screen as the app routes it, so `/services/:name` selects a service. */
const screenAt = (path: string) =>
  renderWithApp(
    <Switch>
      <Route path="/services" component={ServicesPage} />
      <Route path="/services/:name" component={ServicesPage} />
    </Switch>,
    { path },
  );

const instanceRows = () =>
  within(screen.getByRole('region', { name: 'Instances' }))
    .getAllByRole('row')
    .slice(1);

describe('services screen', () => {
  it('offers a new service when there is none', async () => {
    fakeServer(({ url }) =>
      url.pathname === '/api/services' ? { body: { services: [], total: 0 } } : undefined,
    );
    screenAt('/services');
    await screen.findByText('No services yet');
    const buttons = screen.getAllByRole('button', { name: 'New service' });
    expect(buttons).toHaveLength(2);
    fireEvent.click(buttons[1] as HTMLElement);
    expect(screen.getByRole('dialog', { name: 'New service' })).toBeTruthy();
  });

  it('shows CPU and memory as unknown until an instance has been sampled', async () => {
    const fresh = web(1);
    const sampled: Service = {
      ...web(1),
      name: 'api',
      cpuPercent: 1.5,
      rssBytes: 3 * 1024 * 1024,
      instances: [{ ...instance(0, 'online'), cpuPercent: 1.5, rssBytes: 3 * 1024 * 1024 }],
    };
    fakeServer(({ url }) =>
      url.pathname === '/api/services'
        ? { body: { services: [fresh, sampled], total: 2 } }
        : undefined,
    );
    screenAt('/services');
    const cells = async (name: string) =>
      within((await screen.findByRole('link', { name })).closest('tr') as HTMLElement)
        .getAllByRole('cell')
        .map((cell) => cell.textContent);
    // Columns: name, status, online, restarts, CPU, memory, uptime, PIDs.
    expect((await cells('web')).slice(4, 6)).toEqual(['—', '—']);
    expect((await cells('api')).slice(4, 6)).toEqual(['1.5%', '3.0 MiB']);
  });

  it('shows uptime and PIDs, marks a version a release runs, and warns before stopping it', async () => {
    const live: Service = {
      ...web(1),
      name: 'prod.shop.v2',
      status: 'ONLINE',
      instances: [{ ...instance(0, 'online'), pid: 4242, uptimeSeconds: 125 }],
      release: { namespace: 'prod', app: 'shop', version: 'v2', role: 'stable', deployment: null },
    };
    const requests = fakeServer(({ url }) =>
      url.pathname === '/api/services' ? { body: { services: [live], total: 1 } } : undefined,
    );
    screenAt('/services/prod.shop.v2');
    const row = (await screen.findByRole('link', { name: 'prod.shop.v2' })).closest(
      'tr',
    ) as HTMLElement;
    const cells = within(row)
      .getAllByRole('cell')
      .map((cell) => cell.textContent);
    expect(cells[0]).toContain('live release');
    expect(cells.slice(6)).toEqual(['2 min 05 s', '4242']);
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByRole('alert').textContent).toContain(
      'codedance apps delete prod/shop',
    );
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('scales from the detail and shows the new instances from the answer at once', async () => {
    let current = web(1);
    const requests = fakeServer(({ method, url }) => {
      if (url.pathname === '/api/services') return { body: { services: [current], total: 1 } };
      if (url.pathname === '/api/logs') return { body: { entries: [] } };
      if (method === 'POST' && url.pathname === '/api/services/web/scale') {
        const count = (requests.at(-1)?.body as { instances: number }).instances;
        if (count < 1) {
          return {
            status: 400,
            body: {
              error: {
                code: 'CD_VALIDATION_FAILED',
                message: 'Invalid body /instances: must be >= 1',
                details: { problems: [{ path: '/instances', message: 'must be >= 1' }] },
              },
            },
          };
        }
        current = web(count, ['online', 'starting']);
        return { body: current };
      }
      return undefined;
    });
    screenAt('/services/web');
    const input = await screen.findByLabelText<HTMLInputElement>('Number of instances');
    expect(input.value).toBe('1');
    expect(instanceRows()).toHaveLength(1);

    fireEvent.change(input, { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Scale' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Invalid body /instances: must be >= 1',
    );
    expect(input.value).toBe('0');

    fireEvent.change(input, { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Scale' }));
    await screen.findByText('Now 2 instances.');
    expect(instanceRows()).toHaveLength(2);
    expect(instanceRows()[1]?.textContent).toContain('Starting');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(requests.filter((r) => r.url.pathname.endsWith('/scale')).map((r) => r.body)).toEqual([
      { instances: 0 },
      { instances: 2 },
    ]);
  });

  it('deletes a service only once confirmed, then leaves its page', async () => {
    let services = [web(1)];
    const requests = fakeServer(({ method, url }) => {
      if (url.pathname === '/api/services') return { body: { services, total: services.length } };
      if (url.pathname === '/api/logs') return { body: { entries: [] } };
      if (method === 'DELETE' && url.pathname === '/api/services/web') {
        services = [];
        return { status: 204 };
      }
      return undefined;
    });
    const { history } = screenAt('/services/web');
    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Delete web?' });
    expect(dialog.textContent).toContain('All 1 instances stop');
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => {
      expect(history.at(-1)).toBe('/services');
    });
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    await screen.findByText('No services yet');
  });
});
