import type { FastifyRequest } from 'fastify';
import { CodedanceError } from '@codedance/core';

/**
 * The tenant a request acts in: its principal's. Every route that reads or
 * writes workloads takes it from here, so nothing can act outside the
 * caller's tenant. 401 when there is no principal (a public route that
 * reaches workloads would be a mistake; this refuses it).
 */
export function tenantOf(request: Pick<FastifyRequest, 'principal'>): string {
  const { principal } = request;
  if (principal === null) throw new CodedanceError('CD_UNAUTHENTICATED');
  return principal.tenant;
}
