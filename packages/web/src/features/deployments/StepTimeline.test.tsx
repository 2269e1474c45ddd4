// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithApp } from '../../test-support/render';
import { StepTimeline } from './StepTimeline';
import { rolledBackDeployment, runningDeployment } from './test-support/fixtures';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

const NOW = Date.parse('2026-12-02T10:12:30Z');

describe('step timeline', () => {
  it('shows every step in order with its state, its times and what it does', () => {
    vi.stubEnv('TZ', 'UTC');
    renderWithApp(<StepTimeline deployment={runningDeployment()} now={NOW} />);
    const steps = within(screen.getByRole('list', { name: 'Steps' })).getAllByRole('listitem');
    expect(steps.map((s) => s.dataset.status)).toEqual([
      'COMPLETED',
      'COMPLETED',
      'RUNNING',
      'PENDING',
      'PENDING',
    ]);
    expect(steps.map((s) => s.getAttribute('aria-current'))).toEqual([
      null,
      null,
      'step',
      null,
      null,
    ]);

    const [start, tenPercent, current, next] = steps;
    expect(start?.textContent).toContain('Start v2');
    expect(start?.textContent).toMatch(/10:00:00 – 10:05:00 \(5 min 00 s\)/);
    expect(tenPercent?.textContent).toContain('10% of traffic · watch 30 s · analysed');
    expect(current?.textContent).toMatch(/10:10:00 – in progress \(2 min 30 s\)/);
    expect(current?.textContent).toContain('current step');
    expect(next?.textContent).toContain('not started');
    expect(next?.textContent).toContain('50% of traffic · watch 1 min 00 s · analysed');
  });

  it('marks the step that failed and says a step without a pause waits for promote', () => {
    const deployment = rolledBackDeployment();
    deployment.progress.steps.push({
      name: 'Gate',
      kind: 'gate',
      pauseSeconds: null,
      status: 'PENDING',
    });
    renderWithApp(<StepTimeline deployment={deployment} now={NOW} />);
    const items = screen.getAllByRole('listitem');
    expect(items[2]?.dataset.status).toBe('FAILED');
    expect(items[2]?.textContent).toContain('failed');
    expect(items.at(-1)?.textContent).toContain('waits for promote');
  });

  it('says so when there are no steps', () => {
    const deployment = runningDeployment();
    deployment.progress.steps = [];
    renderWithApp(<StepTimeline deployment={deployment} />);
    expect(screen.getByText('This release has no steps.')).toBeTruthy();
  });
});
