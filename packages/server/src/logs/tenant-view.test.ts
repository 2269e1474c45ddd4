import { describe, expect, it } from 'vitest';
import { matchesFilter } from './filter.js';
import { workloadDir } from './raw-files.js';
import { tenantEntry, tenantFilter, tenantMessage } from './tenant-view.js';
import type { LogEntry } from './types.js';

function entry(id: string): LogEntry {
  return {
    seq: 1,
    time: '2026-01-01T00:00:00.000Z',
    source: { kind: 'service', id, instance: 0 },
    stream: 'stdout',
    level: 'INFO',
    line: 'hello',
  };
}

describe("a tenant's view of the logs", () => {
  it('matches only its own workloads, by the names it knows', () => {
    const forB = tenantFilter('b', { kind: 'service' as const, id: 'shop' });
    expect(matchesFilter(entry('b/shop'), forB)).toBe(true);
    expect(matchesFilter(entry('a/shop'), forB)).toBe(false);
    expect(matchesFilter(entry('shop'), forB)).toBe(false);
    const everythingOfB = tenantFilter('b', {});
    expect(matchesFilter(entry('b/other'), everythingOfB)).toBe(true);
    expect(matchesFilter(entry('shop'), everythingOfB)).toBe(false);
    // The default tenant keeps its plain names.
    expect(matchesFilter(entry('shop'), tenantFilter('default', { id: 'shop' }))).toBe(true);
    expect(matchesFilter(entry('b/shop'), tenantFilter('default', {}))).toBe(false);
  });

  it('shows entries and live messages with the names the tenant knows', () => {
    expect(tenantEntry(entry('b/shop')).source.id).toBe('shop');
    const message = tenantMessage({
      type: 'batch',
      runs: [{ ...entry('b/shop'), count: 1, text: 'hello' }],
    });
    expect(message.type === 'batch' ? message.runs[0]?.source.id : null).toBe('shop');
  });

  it("keeps a tenant's raw files in its own folder, the default tenant's where they were", () => {
    expect(workloadDir('/logs', 'service', 'shop')).toBe('/logs/services/shop');
    expect(workloadDir('/logs', 'service', 'b/shop')).toBe('/logs/tenants/b/services/shop');
    expect(() => workloadDir('/logs', 'task', 'b/../x')).toThrow();
  });
});
