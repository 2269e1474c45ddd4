import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTERS,
  deploymentQuery,
  filtersFromSearch,
  filtersToSearch,
  isFiltered,
  normaliseStatus,
  rangeStart,
  STATUS_GROUPS,
} from './filters';

const NOW = Date.parse('2026-12-02T10:00:42.123Z');

describe('deployment filters', () => {
  it('opens on the last 7 days, as seed 003 does, and ignores values it does not know', () => {
    expect(filtersFromSearch(new URLSearchParams())).toEqual(DEFAULT_FILTERS);
    expect(filtersFromSearch(new URLSearchParams('status=EXPLODED&range=forever'))).toEqual(
      DEFAULT_FILTERS,
    );
    expect(
      filtersFromSearch(
        new URLSearchParams('environment=production&status=ROLLED_BACK&range=30d&q=shop'),
      ),
    ).toEqual({
      ...DEFAULT_FILTERS,
      environment: 'production',
      status: 'ROLLED_BACK',
      range: '30d',
      q: 'shop',
    });
  });

  it('takes several statuses at once, as the overview counts them, in one order', () => {
    expect(filtersFromSearch(new URLSearchParams('status=ROLLED_BACK,FAILED')).status).toBe(
      STATUS_GROUPS.failed,
    );
    expect(normaliseStatus('RUNNING,EXPLODED,PENDING,RUNNING')).toBe('PENDING,RUNNING');
    expect(normaliseStatus('EXPLODED')).toBe('');
  });

  it('keeps only what differs from the defaults in the page URL', () => {
    expect(filtersToSearch(DEFAULT_FILTERS)).toEqual({});
    const filters = {
      ...DEFAULT_FILTERS,
      status: 'FAILED' as const,
      q: '  v2 ',
      range: 'all' as const,
    };
    expect(filtersToSearch(filters)).toEqual({ status: 'FAILED', q: 'v2', range: 'all' });
    expect(filtersFromSearch(new URLSearchParams(filtersToSearch(filters)))).toEqual({
      ...filters,
      q: 'v2',
    });
  });

  it('asks the API with the parameters docs/delivery.md names, from the start of the range', () => {
    expect(
      deploymentQuery(
        { environment: 'staging', status: 'RUNNING', range: '7d', q: 'shop', app: 'shop' },
        { now: NOW, limit: 20, cursor: 'abc' },
      ),
    ).toEqual({
      environment: 'staging',
      status: 'RUNNING',
      app: 'shop',
      from: '2026-11-25T10:00:00.000Z',
      q: 'shop',
      limit: 20,
      cursor: 'abc',
    });
    expect(deploymentQuery({ ...DEFAULT_FILTERS, range: 'all' }, { now: NOW })).toEqual({});
    // Within a minute the same filters make the same query, so the cache is reused.
    expect(deploymentQuery(DEFAULT_FILTERS, { now: NOW })).toEqual(
      deploymentQuery(DEFAULT_FILTERS, { now: NOW + 10_000 }),
    );
  });

  it('knows the start of each range and whether anything narrows the list', () => {
    expect(rangeStart('24h', NOW)).toBe('2026-12-01T10:00:42.123Z');
    expect(rangeStart('all', NOW)).toBeNull();
    expect(isFiltered(DEFAULT_FILTERS)).toBe(false);
    expect(isFiltered({ ...DEFAULT_FILTERS, range: 'all' })).toBe(false);
    expect(isFiltered({ ...DEFAULT_FILTERS, environment: 'test' })).toBe(true);
  });
});
