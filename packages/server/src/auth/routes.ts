import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CodedanceError, type Principal } from '@codedance/core';
import {
  ErrorResponse,
  LoginLinkSchema,
  LoginQuery,
  SessionSchema as SessionAnswer,
  SignInBody,
  TokenRotationSchema,
} from '@codedance/api';
import type { Access } from './access.js';
import { sessionCookieName } from './guard.js';

/** `http://127.0.0.1:8100`: the origin the request was made to. */
export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
): void {
  void reply.setCookie(sessionCookieName(request), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: maxAgeSeconds,
  });
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(sessionCookieName(request), {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
  });
}

function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new CodedanceError('CD_UNAUTHENTICATED');
  return request.principal;
}

/**
 * Signing in and out: the one-time link (`GET /login?code=`), the admin
 * token traded for a session (`POST /api/auth/session`), who am I
 * (`GET /api/auth/session`), sign-out, new links for `codedance dashboard`,
 * and rotating the admin token.
 */
export function authRoutes(
  app: FastifyInstance,
  options: { access: Access; maxAgeSeconds: () => number },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { access } = options;

  api.get(
    '/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in to the dashboard with a one-time link, then go to it',
        description:
          'Trades the code of a link printed by the server or by `codedance dashboard` for a session cookie and redirects (303) to `/` without the code. A used or expired code redirects to `/?signin=expired` with no cookie.',
        security: [],
        querystring: LoginQuery,
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const code = request.query.code ?? '';
      if (!access.codes.redeem(code)) {
        request.log.info('a sign-in link was refused: used already, expired or unknown');
        return reply.redirect('/?signin=expired', 303);
      }
      const session = await access.sessions.open('link');
      setSessionCookie(request, reply, session.cookie, options.maxAgeSeconds());
      request.log.info({ session: session.principal.id.slice(0, 12) }, 'signed in with a link');
      return reply.redirect('/', 303);
    },
  );

  api.get(
    '/api/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is calling, and when their session ends',
        response: { 200: SessionAnswer, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind === 'admin') return { principal, expiresAt: null };
      const cookie = request.cookies[sessionCookieName(request)] ?? '';
      const session = await access.sessions.find(cookie);
      if (session === null) throw new CodedanceError('CD_SESSION_ENDED');
      return { principal, expiresAt: session.expiresAt.toISOString() };
    },
  );

  api.post(
    '/api/auth/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with the admin token: answers a session cookie',
        description:
          "For the dashboard's sign-in form on a server the browser cannot get a link from. The token is checked, never kept.",
        security: [],
        body: SignInBody,
        response: { 200: SessionAnswer, '4xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!access.credential.matches(request.body.token)) {
        request.log.warn('a sign-in with a wrong admin token was refused');
        throw new CodedanceError('CD_UNAUTHENTICATED', { message: 'The token is not valid.' });
      }
      const session = await access.sessions.open('token');
      setSessionCookie(request, reply, session.cookie, options.maxAgeSeconds());
      return { principal: session.principal, expiresAt: session.expiresAt.toISOString() };
    },
  );

  api.post(
    '/api/auth/logout',
    {
      config: { access: 'optional', permission: 'read' },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends this session and closes its live sockets',
        response: { 204: Type.Null(), '4xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind === 'session') await access.endSession(principal.id);
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/auth/login-links',
    {
      config: { permission: 'platform' },
      schema: {
        tags: ['auth'],
        summary:
          'A new one-time sign-in link for the dashboard (what `codedance dashboard` prints)',
        description: 'The link works once, for 10 minutes, on the origin the request was sent to.',
        response: {
          201: LoginLinkSchema,
          '4xx': ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const link = access.loginLink(requestOrigin(request));
      return reply.status(201).send({ url: link.url, expiresAt: link.expiresAt.toISOString() });
    },
  );

  api.post(
    '/api/auth/admin-token/rotate',
    {
      config: { permission: 'platform' },
      schema: {
        tags: ['auth'],
        summary: 'Replace the generated admin token; ends every session and live socket',
        description:
          'Writes a new token to <data>/credentials/admin-token and answers it once. A token set in server.adminToken or CODEDANCE_ADMIN_TOKEN is answered 409 CD_TOKEN_MANAGED_ELSEWHERE: change it there.',
        response: {
          200: TokenRotationSchema,
          '4xx': ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const report = await access.rotate();
      request.log.warn({ by: principalOf(request).kind }, 'admin token rotated');
      void reply.header('cache-control', 'no-store');
      return report;
    },
  );
}
