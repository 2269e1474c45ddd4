import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CodedanceError,
  hostAllowed,
  originRefusal,
  ownOrigins,
  parseHost,
  TENANT_DEFAULT,
  type Config,
  allows,
  leastRoleFor,
  type Permission,
  type Principal,
} from '@codedance/core';
import type { AdminCredential } from './credential.js';
import type { SessionBook } from './sessions.js';
import type { TokenBook } from './tokens.js';
import type { AuthSockets } from './sockets.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call the route. Absent: an authenticated principal only.
     * `public`: anyone (the dashboard's pages and assets, which carry no
     * data; the sign-in routes). `optional`: anyone, with `request.principal`
     * set when the caller is authenticated (`/health` says more to them).
     */
    access?: 'public' | 'optional';
    /**
     * What the caller must be allowed to do (see ROLE_GRANTS). Absent: `read` for GET and HEAD,
     * `operate` for every other method.
     */
    permission?: Permission;
  }
  interface FastifyRequest {
    /** Who is calling; null until authenticated, and on public routes for anonymous callers. */
    principal: Principal | null;
  }
}

/** Paths every caller reaches whatever its `Host`: liveness probes use the pod's or host's address. */
const ANY_HOST = new Set(['/health']);

export interface GuardOptions {
  config: () => Config;
  credential: AdminCredential;
  tokens: TokenBook;
  sessions: SessionBook;
  sockets: AuthSockets;
}

/** The token of an `Authorization: Bearer <token>` header; null when the header is absent or has another form. */
export function bearerToken(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

/**
 * The session cookie's name. Browsers share cookies between the ports of a
 * host, so the port is part of the name: two servers on one machine keep
 * their sessions apart.
 */
export function sessionCookieName(request: FastifyRequest): string {
  const port = parseHost(request.host)?.port ?? (request.protocol === 'https' ? 443 : 80);
  return `codedance_session_${port}`;
}

const ADMIN: Principal = {
  kind: 'admin',
  id: 'admin',
  tenant: TENANT_DEFAULT,
  role: 'admin',
  platform: true,
};

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

/**
 * The three checks every request passes, in order: its `Host` names this
 * server (421 otherwise: DNS rebinding), it does not come from a page on
 * another site when it changes state or opens a socket (403), and it is
 * authenticated by the admin token or a session cookie (401) unless its
 * route is public. The principal is put on the request.
 */
export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  const { config } = options;
  app.decorateRequest('principal', null);

  app.addHook('onRequest', (request, _reply, done) => {
    const { server } = config();
    if (!ANY_HOST.has(pathOf(request))) {
      const host = request.headers.host === undefined ? undefined : request.host;
      if (!hostAllowed(host, { publicHosts: server.publicHosts, listenHost: server.host })) {
        done(
          new CodedanceError('CD_UNKNOWN_HOST', {
            message: `This server does not answer to the host name '${host ?? ''}'. Reach it by a loopback address, or add the name to server.publicHosts.`,
            details: { host: host ?? null },
          }),
        );
        return;
      }
    }
    const refusal = originRefusal({
      method: request.method,
      origin: request.headers.origin,
      fetchSite: header(request, 'sec-fetch-site'),
      upgrade: header(request, 'upgrade')?.toLowerCase() === 'websocket',
      own: ownOrigins(request.protocol, request.host, server.publicHosts),
      allowed: server.corsOrigins,
    });
    if (refusal !== null) {
      done(
        new CodedanceError('CD_CROSS_ORIGIN', {
          message:
            refusal === 'cross-site'
              ? 'The browser says this request comes from another site; it may not change anything here.'
              : `Requests from the origin '${request.headers.origin ?? ''}' may not change anything here; list it in server.corsOrigins to allow it.`,
          details: { origin: request.headers.origin ?? null, reason: refusal },
        }),
      );
      return;
    }
    done();
  });
}

/**
 * Authenticates the request (after CORS has answered preflights): the
 * bearer token first, then the session cookie.
 */
export function installAuthentication(app: FastifyInstance, options: GuardOptions): void {
  const { credential, sessions, sockets, tokens } = options;
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    const open = access === 'public' || access === 'optional' || request.method === 'OPTIONS';
    const given = bearerToken(request.headers.authorization);
    let until: Date | null = null;
    let ended = false;
    if (given !== null) {
      if (credential.matches(given)) request.principal = ADMIN;
      else {
        request.principal = await tokens.verify(given);
        if (request.principal === null && !open) {
          throw new CodedanceError('CD_UNAUTHENTICATED', {
            message: 'The token is not valid: unknown, revoked or expired.',
          });
        }
      }
    } else {
      const cookie = request.cookies[sessionCookieName(request)];
      if (cookie !== undefined && cookie !== '') {
        const session = await sessions.find(cookie);
        if (session === null) ended = true;
        else {
          request.principal = session.principal;
          until = session.endsAt;
        }
      }
    }
    if (request.principal === null) {
      if (open) return;
      throw ended
        ? new CodedanceError('CD_SESSION_ENDED')
        : new CodedanceError('CD_UNAUTHENTICATED', {
            message:
              'Sign in first: send "Authorization: Bearer <admin token>" (the CLI on this host reads it from <data>/credentials/admin-token), or open the dashboard through the link "codedance dashboard" prints.',
          });
    }
    if (header(request, 'upgrade')?.toLowerCase() === 'websocket') {
      sockets.remember(request.raw, request.principal, until);
    }
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The permission a route needs: its own, else by method. */
export function permissionOf(request: FastifyRequest): Permission {
  const declared = request.routeOptions.config.permission;
  if (declared !== undefined) return declared;
  return request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS'
    ? 'read'
    : 'operate';
}

/**
 * Refuses (403) an authenticated caller whose role does not grant what the route needs. Runs after
 * authentication; anonymous callers of public routes have no role to check.
 */
export function installPermissions(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const principal = request.principal;
    if (principal === null) {
      done();
      return;
    }
    const needed = permissionOf(request);
    if (allows(principal, needed)) {
      done();
      return;
    }
    const least = leastRoleFor(needed);
    done(
      new CodedanceError('CD_FORBIDDEN', {
        message:
          least === undefined
            ? 'Only a platform administrator may do this.'
            : `This needs the permission '${needed}' (role ${least} or above); you are ${principal.role}.`,
        details: { permission: needed, role: principal.role },
      }),
    );
  });
}
