import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { format, type Translate } from '../../i18n/I18nProvider';
import { releaseMarkers, seriesByVersion } from './TrendCharts';
import { rolledBackDeployment } from './test-support/fixtures';

const t: Translate = (key, params) => format(en[key], params);

describe('the trend charts of a release', () => {
  it('draw the rolled-back version with its points, first, beside the stable one', () => {
    const d = rolledBackDeployment();
    const series = seriesByVersion(d.metrics.successRate, d, t);
    expect(series.map((s) => s.label)).toEqual(['v2 (new)', 'v1 (stable)']);
    expect(series[0]?.points).toEqual([
      [Date.parse('2026-12-02T10:05:00Z'), 99.1],
      [Date.parse('2026-12-02T10:10:00Z'), 99.3],
    ]);
  });

  it('name blue-green sides as everywhere else: blue the new version, green the old', () => {
    const d = { ...rolledBackDeployment(), deploymentType: 'BLUE_GREEN' as const };
    expect(seriesByVersion(d.metrics.responseTime, d, t).map((s) => s.label)).toEqual([
      'v2 (blue)',
      'v1 (green)',
    ]);
  });

  it('keep a line for each version of the release before it has points', () => {
    const d = rolledBackDeployment();
    expect(seriesByVersion([], d, t).map((s) => [s.label, s.points.length])).toEqual([
      ['v2 (new)', 0],
      ['v1 (stable)', 0],
    ]);
  });

  it('mark where each step began and the moment the release rolled back', () => {
    const markers = releaseMarkers(rolledBackDeployment(), t);
    expect(markers.map((m) => [m.label, m.title, m.tone])).toEqual([
      ['10%', 'Traffic 10%', 'step'],
      ['25%', 'Traffic 25%', 'step'],
      ['⟲', 'Rolled back', 'bad'],
    ]);
    expect(markers.at(-1)?.time).toBe(Date.parse('2026-12-02T10:14:00Z'));
  });
});
