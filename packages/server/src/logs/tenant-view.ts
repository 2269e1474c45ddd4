import { scopedName, splitScoped } from '../tenancy/index.js';
import type { LogFilter } from './filter.js';
import type { LogEntry, LogMessage, LogRun, LogSource } from './types.js';

/**
 * A filter as a tenant's caller gave it (names as the tenant knows them),
 * narrowed to that tenant's workloads and with the name scoped as the hub
 * keeps it.
 */
export function tenantFilter<F extends LogFilter>(tenant: string, filter: F): F {
  return {
    ...filter,
    tenant,
    ...(filter.id === undefined ? {} : { id: scopedName(tenant, filter.id) }),
  };
}

/** A source as its tenant knows it: its own name, without the tenant. */
export function tenantSource(source: LogSource): LogSource {
  return { ...source, id: splitScoped(source.id).name };
}

/** An entry as its tenant sees it. */
export function tenantEntry(entry: LogEntry): LogEntry {
  return { ...entry, source: tenantSource(entry.source) };
}

/** A live message as its tenant sees it. */
export function tenantMessage(message: LogMessage): LogMessage {
  if (message.type === 'entry') return { type: 'entry', entry: tenantEntry(message.entry) };
  if (message.type === 'batch') {
    return {
      type: 'batch',
      runs: message.runs.map((run): LogRun => ({ ...run, source: tenantSource(run.source) })),
    };
  }
  return message;
}
