import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CodedanceError } from '@codedance/core';

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

function tokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? null;
  }
  return null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Requires `Authorization: Bearer <admin token>` on every non-public path
 * when a token is configured. The token is read on every request, so a
 * rotated token applies at once.
 */
export function installAuth(app: FastifyInstance, adminToken: () => string | null): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const expected = adminToken();
    if (expected === null || isPublic(request.url)) {
      done();
      return;
    }
    const given = tokenOf(request);
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
