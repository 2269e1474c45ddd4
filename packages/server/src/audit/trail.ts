import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csvField, type Principal } from '@codedance/core';
import type { AuditResult } from '@codedance/api';
import type { Logger } from 'pino';
import type { Page, Store } from '../store/index.js';

/** The store kind of an audit entry. Entries are created, never updated or deleted. */
export const AUDIT_KIND = 'audit';

/** One change someone made or tried to make. */
export interface AuditEntry {
  /** Who: the admin credential, a session, later a user or a token. */
  actorKind: Principal['kind'];
  actorId: string;
  role: Principal['role'];
  /** The method and the route's pattern, e.g. `POST /api/tasks/:id/run`. */
  action: string;
  method: string;
  /** The path as called, with the names of what it changed. */
  path: string;
  /** What the handler says changed, before → after, when it says. */
  summary: string | null;
  /** The caller's address (the proxy's, unless server.trustProxy is on). */
  address: string;
  status: number;
  result: AuditResult;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** A handler's one-line account of what it changed, for the audit trail. */
    auditSummary: string | null;
  }
}

const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function resultOf(status: number): AuditResult {
  if (status < 400) return 'ok';
  return status >= 500 ? 'failed' : 'refused';
}

/**
 * The audit trail: every change an authenticated caller makes or tries through the API, written
 * to the store under the caller's tenant after the answer is sent. Reading is free; sign-in is
 * the sessions' business. A write that fails (the store is down) is logged, with the entry, so
 * the trail's gap is visible.
 */
export class AuditTrail {
  constructor(
    private readonly store: () => Store,
    private readonly logger: Logger,
  ) {}

  /** Records what a finished request changed, when it changed anything. */
  async record(request: FastifyRequest, status: number): Promise<void> {
    const principal = request.principal;
    if (principal === null || !CHANGING.has(request.method)) return;
    if (!request.url.startsWith('/api/')) return;
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? request.url;
    const entry: AuditEntry = {
      actorKind: principal.kind,
      actorId: principal.id,
      role: principal.role,
      action: `${request.method} ${route}`,
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      summary: request.auditSummary,
      address: request.ip,
      status,
      result: resultOf(status),
    };
    try {
      await this.store().create(principal.tenant, AUDIT_KIND, auditId(), entry);
    } catch (error) {
      this.logger.warn({ err: error, audit: entry }, 'audit entry not written');
    }
  }

  /** A page of the tenant's trail, newest first unless asked otherwise. */
  list(
    tenant: string,
    options: {
      limit?: number;
      cursor?: string;
      order?: 'asc' | 'desc';
      where?: { [K in 'actorId' | 'method' | 'result']?: string | undefined };
    },
  ): Promise<Page<AuditEntry>> {
    const where = Object.fromEntries(
      Object.entries(options.where ?? {}).filter(([, v]) => v !== undefined),
    );
    return this.store().list<AuditEntry>(tenant, AUDIT_KIND, {
      order: options.order ?? 'desc',
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      ...(Object.keys(where).length === 0 ? {} : { where: where as Record<string, string> }),
    });
  }
}

/** Random and unique; the store orders entries by their creation time. */
function auditId(): string {
  return randomBytes(9).toString('base64url');
}

/** Hooks the trail into every answer. */
export function installAuditTrail(app: FastifyInstance, trail: AuditTrail): void {
  app.decorateRequest('auditSummary', null);
  app.addHook('onResponse', async (request, reply) => {
    await trail.record(request, reply.statusCode);
  });
}

/** One entry as the API and the export show it. */
export interface AuditView extends AuditEntry {
  id: string;
  at: string;
}

export function auditView(record: { id: string; createdAt: string; data: AuditEntry }): AuditView {
  return { id: record.id, at: record.createdAt, ...record.data };
}

const CSV_COLUMNS = [
  'at',
  'actorKind',
  'actorId',
  'role',
  'action',
  'path',
  'summary',
  'address',
  'status',
  'result',
] as const satisfies readonly (keyof AuditView)[];

export function auditToCsv(entries: readonly AuditView[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const entry of entries) {
    rows.push(CSV_COLUMNS.map((column) => csvField(String(entry[column] ?? ''))).join(','));
  }
  return `${rows.join('\n')}\n`;
}
