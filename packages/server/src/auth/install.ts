import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { normalOrigin, type Config } from '@codedance/core';
import type { Access } from './access.js';
import { installAuthentication, installPermissions, installGuard } from './guard.js';
import { authRoutes } from './routes.js';
import { tokenRoutes } from './token-routes.js';

/**
 * Puts the server behind its access rules: the Host and Origin checks, CORS
 * answers for exactly `server.corsOrigins`, and authentication of every
 * route that is not public. Install it before any plugin with routes of its
 * own (the API docs): an encapsulated plugin takes the hooks it finds when
 * it is registered.
 */
export async function installAccess(
  app: FastifyInstance,
  options: { access: Access; config: () => Config },
): Promise<void> {
  const { access, config } = options;
  await app.register(cookie);
  const guard = {
    config,
    credential: access.credential,
    tokens: access.tokens,
    sessions: access.sessions,
    sockets: access.sockets,
  };
  installGuard(app, guard);
  // Exactly the origins of server.corsOrigins get CORS answers, read per request so a change
  // applies at once. Callers from those pages send the token as a header (their own
  // cookies are SameSite=Strict), so credentials mode stays off.
  await app.register(cors, {
    origin: (origin, callback) => {
      const allowed = config().server.corsOrigins.map((o) => normalOrigin(o) ?? o);
      const given = origin === undefined ? null : normalOrigin(origin);
      callback(null, given !== null && allowed.includes(given));
    },
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Accept'],
    exposedHeaders: ['ETag', 'Content-Disposition', 'Retry-After'],
    credentials: false,
    maxAge: 600,
  });
  installAuthentication(app, guard);
  installPermissions(app);
}

/** The sign-in routes; after the OpenAPI plugin, so that they are documented. */
export function accessRoutes(
  app: FastifyInstance,
  options: { access: Access; config: () => Config },
): void {
  authRoutes(app, {
    access: options.access,
    maxAgeSeconds: () => options.config().server.sessions.maxHours * 3600,
  });
  tokenRoutes(app, { tokens: options.access.tokens });
}
