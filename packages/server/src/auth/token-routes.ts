import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ErrorResponse,
  IssuedTokenSchema,
  TokenBody,
  TokenListSchema,
  TokenParams,
  TokenSchema,
} from '@codedance/api';
import { CodedanceError, type Principal } from '@codedance/core';
import type { FastifyRequest } from 'fastify';
import type { TokenBook } from './tokens.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

function callerOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new CodedanceError('CD_UNAUTHENTICATED');
  return request.principal;
}

/** API tokens of the caller's tenant: issue (shown once), list, revoke. Tenant admins only. */
export function tokenRoutes(app: FastifyInstance, options: { tokens: TokenBook }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tokens } = options;
  const tags = ['auth'];
  const config = { permission: 'administer' as const };

  api.get(
    '/api/tokens',
    {
      config,
      schema: {
        tags,
        summary: "The tenant's API tokens (never their secrets)",
        response: { 200: TokenListSchema, ...errors },
      },
    },
    async (request) => ({ tokens: await tokens.list(callerOf(request).tenant) }),
  );

  api.post(
    '/api/tokens',
    {
      config,
      schema: {
        tags,
        summary: 'Issue an API token in your tenant, with at most your role; it is shown once',
        body: TokenBody,
        response: { 201: IssuedTokenSchema, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await tokens.issue(callerOf(request), request.body);
      request.auditSummary = `issued token ${issued.view.id} (${issued.view.name}, ${issued.view.role})`;
      void reply.header('cache-control', 'no-store');
      return reply.status(201).send({ token: issued.token, info: issued.view });
    },
  );

  api.delete(
    '/api/tokens/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Revoke a token: it stops working at once',
        params: TokenParams,
        response: { 200: TokenSchema, ...errors },
      },
    },
    async (request) => {
      const revoked = await tokens.revoke(callerOf(request).tenant, request.params.id);
      request.auditSummary = `revoked token ${revoked.id} (${revoked.name})`;
      return revoked;
    },
  );
}
