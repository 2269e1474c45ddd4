import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CodedanceError } from '@codedance/core';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anyone may fetch this route without a token: the dashboard's pages and assets, which carry no data. */
    public?: boolean;
  }
}

/** Paths anyone may read: liveness probes and the API description. */
const PUBLIC_PATHS = ['/health', '/api/openapi.json'];
/** `/ws/` routes check the token themselves: a browser's WebSocket cannot send a header, so they also accept `?token=`. */
const PUBLIC_PREFIXES = ['/api/docs', '/ws'];

function isPublic(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return (
    PUBLIC_PATHS.includes(path) ||
    PUBLIC_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))
  );
}

/** The token of an `Authorization: Bearer <token>` header; null when the header is absent or has another form. */
export function bearerToken(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

/** Compares a given secret with the expected one in constant time, so timing does not reveal how much matched. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Requires `Authorization: Bearer <admin token>` on every non-public path
 * when a token is configured; routes marked `config: { public: true }` are
 * open. The token is read on every request, so a rotated token applies at once.
 */
export function installAuth(app: FastifyInstance, adminToken: () => string | null): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const expected = adminToken();
    if (expected === null || isPublic(request.url) || request.routeOptions.config.public === true) {
      done();
      return;
    }
    const given = bearerToken(request.headers.authorization);
    if (given === null) {
      done(
        new CodedanceError('CD_UNAUTHENTICATED', {
          message: 'This server requires a token: send "Authorization: Bearer <token>".',
        }),
      );
      return;
    }
    done(
      sameSecret(given, expected)
        ? undefined
        : new CodedanceError('CD_UNAUTHENTICATED', { message: 'The token is not valid.' }),
    );
  });
}
