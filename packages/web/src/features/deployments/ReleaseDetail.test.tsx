// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../../api/types';
import { fakeServer, renderWithApp } from '../../test-support/render';
import { Route } from 'wouter';
import { DeploymentPage } from './DeploymentPage';
import { actionsFor } from './ReleaseActions';
import { rolledBackDeployment, runningDeployment } from './test-support/fixtures';

// Charts draw on a canvas, which jsdom does not have; they are tested in the browser.
vi.mock('../../charts/TimeChart', () => ({
  TimeChart: ({ title }: { title: string }) => <figure>{title}</figure>,
}));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

const METRICS = {
  timestamp: 1737369600,
  successRate: 99.5,
  errorRate: 0.5,
  latencyP50: 45.2,
  latencyP90: 89.5,
  latencyP99: 156.8,
  requestRate: 1250.5,
  versions: { v1: { successRate: 99.9 } },
};

function serve(record: () => Deployment, onAction?: (action: string) => Deployment) {
  return fakeServer(({ method, url }) => {
    if (url.pathname === `/api/deployments/${record().id}` && method === 'GET')
      return { body: record() };
    const action = /^\/api\/deployments\/[^/]+\/(\w+)$/.exec(url.pathname)?.[1];
    if (action && method === 'POST' && onAction) return { body: onAction(action) };
    if (url.pathname === '/api/metrics/') return { body: METRICS };
    return undefined;
  });
}

describe('release detail', () => {
  it('shows the header, the traffic actual against desired, the steps, live metrics, resources and logs', async () => {
    serve(runningDeployment);
    renderWithApp(<Route path="/deployments/:id" component={DeploymentPage} />, {
      path: '/deployments/dep-20261202-8k2m1x',
    });
    // The first render loads the screen's chunk: slow on a busy machine.
    expect(
      await screen.findByRole('heading', { name: /shop · v2/ }, { timeout: 10_000 }),
    ).toBeTruthy();
    const traffic = screen.getByRole('progressbar', { name: 'Traffic: 25% now, 25% desired' });
    expect(traffic.getAttribute('aria-valuenow')).toBe('25');
    expect(screen.getByText('Step 3 of 5 · Traffic 25%')).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Steps' })).toBeTruthy();
    const success = await waitFor(() => {
      const card = document.querySelector<HTMLElement>('[data-metric="successRate"]');
      expect(card?.textContent).toContain('99.5%');
      return card;
    });
    expect(success?.dataset.health).toBe('good');
    expect(success?.textContent).toContain('stable: 99.9%');
    expect(screen.getByRole('region', { name: 'New version (v2)' }).textContent).toContain(
      '2 of 2 ready',
    );
    expect(screen.getByRole('region', { name: 'Stable version (v1)' }).textContent).toContain(
      '75%',
    );
    expect(screen.getByRole('log', { name: 'Deployment log' }).textContent).toContain(
      'Traffic 25% to v2',
    );
    expect(screen.getByText(/Success rate/, { selector: 'summary span' })).toBeTruthy();
  });

  it('says once why a release rolled back, with the number of the look that decided it', async () => {
    serve(rolledBackDeployment);
    renderWithApp(<Route path="/deployments/:id" component={DeploymentPage} />, {
      path: '/deployments/dep-20261202-8k2m1x',
    });
    const note = await screen.findByRole('note');
    expect(note.textContent).toContain('Why it rolled back');
    expect(note.textContent).toContain('error rate 12.5% > 5% at step 3');
    expect(note.textContent).toMatch(
      /Decided by the look at \d\d:14:00: Error rate 12\.5% > 5\.0%/,
    );
    // Said once: not again under the analysis nor beside the step that failed.
    expect(screen.getAllByText(/error rate 12\.5% > 5% at step 3/)).toHaveLength(1);
    expect(screen.getByText('Ended the release: see why above')).toBeTruthy();
    // The analysis: a line per look, the deciding one marked; the evidence is there on demand.
    const looks = screen.getByRole('region', { name: 'Analysis looks' });
    const lines = looks.querySelectorAll('[data-verdict]');
    expect([...lines].map((l) => l.getAttribute('data-verdict'))).toEqual(['fail', 'pass']);
    expect(lines[0]?.id).toBe('deciding-look');
    expect(lines[0]?.querySelector('summary')?.textContent).toMatch(
      /Fail.*Error rate 12\.5% > 5\.0%/,
    );
    expect(lines[1]?.querySelector('summary')?.textContent).toMatch(
      /Pass.*Success rate 99\.1% ≥ 95\.0%/,
    );
    expect(within(looks).getByText(/worse beyond chance/)).toBeTruthy();
    expect(screen.getByText('2 looks: 1 passed, 0 inconclusive, 1 failed')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
  });

  it("shows a finished release's final window, never the app's numbers now", async () => {
    vi.stubEnv('TZ', 'UTC');
    const requests = serve(rolledBackDeployment);
    renderWithApp(<Route path="/deployments/:id" component={DeploymentPage} />, {
      path: '/deployments/dep-20261202-8k2m1x',
    });
    const cards = await screen.findByRole('region', { name: 'Final window' });
    expect(cards.textContent).toMatch(
      /10:13:55 – 10:14:00 · the last 5\.0 s measured before it ended \(Rolled back\)/,
    );
    const success = cards.querySelector<HTMLElement>('[data-metric="successRate"]');
    expect(success?.textContent).toContain('87.5%');
    expect(success?.textContent).toContain('stable: 100.0%');
    expect(success?.dataset.health).toBe('bad');
    expect(cards.querySelector<HTMLElement>('[data-metric="errorRate"]')?.dataset.health).toBe(
      'bad',
    );
    // The app's live metrics (the stable version's, after a rollback) are not asked for.
    expect(requests.some((r) => r.url.pathname === '/api/metrics/')).toBe(false);
  });

  it('says so when a finished release never measured any traffic', async () => {
    serve(() => ({ ...rolledBackDeployment(), latestWindow: null }));
    renderWithApp(<Route path="/deployments/:id" component={DeploymentPage} />, {
      path: '/deployments/dep-20261202-8k2m1x',
    });
    const cards = await screen.findByRole('region', { name: 'Final window' });
    expect(cards.textContent).toContain('No traffic was measured during this release.');
    expect(cards.querySelector('[data-metric]')).toBeNull();
  });

  it('asks before an action and then shows the state the server answered with, not a guess', async () => {
    let current = runningDeployment();
    const requests = serve(
      () => current,
      (action) => {
        expect(action).toBe('pause');
        current = { ...current, status: 'PAUSED', canary: { ...current.canary, phase: 'Paused' } };
        return current;
      },
    );
    renderWithApp(<Route path="/deployments/:id" component={DeploymentPage} />, {
      path: '/deployments/dep-20261202-8k2m1x',
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Pause' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Pause shop v2?' });
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pause' }));
    await waitFor(() => {
      expect(screen.queryByRole('alertdialog')).toBeNull();
    });
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.url.pathname)).toEqual([
      '/api/deployments/dep-20261202-8k2m1x/pause',
    ]);
    expect(await screen.findByRole('button', { name: 'Resume' })).toBeTruthy();
    expect(screen.getAllByText('Paused').length).toBeGreaterThan(0);
  });

  it('keeps the dialog open with the refusal when the server says no', async () => {
    const record = runningDeployment();
    fakeServer(({ method, url }) => {
      if (method === 'POST')
        return {
          status: 409,
          body: { error: { code: 'CD_CONFLICT', message: 'The release already finished.' } },
        };
      if (url.pathname === `/api/deployments/${record.id}`) return { body: record };
      return undefined;
    });
    renderWithApp(<Route path="/deployments/:id" component={DeploymentPage} />, {
      path: `/deployments/${record.id}`,
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Abort' }));
    const dialog = screen.getByRole('alertdialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Abort' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('CD_CONFLICT');
    expect(screen.getAllByText('Running').length).toBeGreaterThan(0);
  });

  it('offers the actions each status allows', () => {
    expect(actionsFor('RUNNING')).toEqual(['pause', 'promote', 'abort']);
    expect(actionsFor('PAUSED')).toEqual(['resume', 'promote', 'abort']);
    expect(actionsFor('COMPLETED')).toEqual(['rollback']);
    expect(actionsFor('ROLLED_BACK')).toEqual(['retry']);
  });
});
