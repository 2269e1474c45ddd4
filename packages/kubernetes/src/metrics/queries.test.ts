import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMETHEUS_QUERIES, renderQuery } from './queries.js';

describe('renderQuery', () => {
  it('fills in the app, its versions as an exact alternation and the window', () => {
    expect(
      renderQuery(DEFAULT_PROMETHEUS_QUERIES.requests, {
        namespace: 'shop',
        app: 'web',
        versions: ['v1', 'v2.0'],
        windowMs: 60_000,
      }),
    ).toBe(
      'sum by (version) (increase(http_requests_total{namespace="shop", app="web", version=~"v1|v2\\\\.0"}[60000ms]))',
    );
  });

  it('keeps quotes and backslashes in values inside the PromQL string', () => {
    const query = renderQuery('x{app="{{app}}", version=~"{{versions}}"}[{{window}}]', {
      namespace: 'n',
      app: 'a"b\\c',
      versions: ['v"1'],
      windowMs: 0.4,
    });
    expect(query).toBe('x{app="a\\"b\\\\c", version=~"v\\"1"}[1ms]');
  });
});
