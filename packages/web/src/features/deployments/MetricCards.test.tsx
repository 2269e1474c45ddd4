// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithApp } from '../../test-support/render';
import { MetricCards } from './MetricCards';
import { DEFAULT_THRESHOLDS, thresholdsFromConfig } from './thresholds';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const card = (metric: string) => document.querySelector<HTMLElement>(`[data-metric="${metric}"]`);

describe('live metric cards', () => {
  it('colours each card by its threshold: green within, yellow just past, red well past, neutral without one', () => {
    renderWithApp(
      <MetricCards
        values={{
          successRate: 92,
          errorRate: 12.5,
          latencyP50: 45.2,
          latencyP90: 89.5,
          latencyP99: 156.8,
          requestRate: 1250.5,
        }}
        thresholds={DEFAULT_THRESHOLDS}
      />,
    );
    expect(card('successRate')?.dataset.health).toBe('warning');
    expect(card('successRate')?.className).toContain('bg-amber-50');
    expect(card('errorRate')?.dataset.health).toBe('bad');
    expect(card('errorRate')?.className).toContain('bg-red-50');
    expect(card('latencyP99')?.dataset.health).toBe('good');
    expect(card('latencyP99')?.className).toContain('bg-green-50');
    expect(card('latencyP50')?.dataset.health).toBe('unknown');
    expect(card('requestRate')?.dataset.health).toBe('unknown');
    expect(card('successRate')?.textContent).toContain('92.0%');
    expect(card('successRate')?.textContent).toContain('≥ 95.0%');
    expect(card('latencyP99')?.textContent).toContain('157 ms');
    expect(card('requestRate')?.textContent).toContain('1,251/s');
    // The colour is also said in words, for those who cannot see it.
    expect(card('errorRate')?.textContent).toContain('failing: well past its threshold');
  });

  it("uses the release's own thresholds and shows the stable version's value beside the new one", () => {
    renderWithApp(
      <MetricCards
        values={{ successRate: 98, latencyP99: 120 }}
        stable={{ successRate: 99.9, latencyP99: 80 }}
        thresholds={thresholdsFromConfig({ analysis: { successRate: 0.99, latencyP99: '100ms' } })}
      />,
    );
    expect(card('successRate')?.dataset.health).toBe('warning');
    expect(card('latencyP99')?.dataset.health).toBe('warning');
    expect(card('latencyP99')?.textContent).toContain('≤ 100 ms');
    expect(card('successRate')?.textContent).toContain('stable: 99.9%');
    expect(screen.getAllByRole('listitem')).toHaveLength(6);
  });
});
