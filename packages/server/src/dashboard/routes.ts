import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/**
 * The paths the dashboard's router knows. Each answers the same page, so a
 * reload or a shared link lands on the right screen. Anything else keeps the
 * API's JSON 404.
 */
export const DASHBOARD_PAGES = [
  '/',
  '/deployments',
  '/deployments/*',
  '/canaries',
  '/canaries/*',
  '/services',
  '/services/*',
  '/tasks',
  '/tasks/*',
  '/logs',
  '/system',
  '/settings',
] as const;

export const DASHBOARD_NOT_BUILT =
  'The Codedance dashboard has not been built yet.\n\n' +
  'Run `npm run build` in the Codedance folder (it builds packages/web into packages/web/dist), ' +
  'then reload this page. The API works meanwhile: see /api/docs.\n';

/**
 * The page's own rules: scripts and styles from this server only (uPlot sets
 * inline style attributes), data from this origin, including its WebSocket.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Pages take any query: the dashboard keeps its filters in the URL. */
const AnyQuery = Type.Object({}, { additionalProperties: true });

export interface DashboardOptions {
  /** The built dashboard (`index.html` and `assets/`); null when it cannot be found. */
  dir: string | null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * An unknown path a browser opened as a page (`GET`, asking for HTML, not under `/api/` or
 * `/ws`) gets the dashboard with status 404: it shows its own not-found screen, with the
 * navigation, instead of the API's JSON. False for anything else, which keeps the JSON 404.
 */
export function dashboardNotFound(
  dir: string | null,
): (request: FastifyRequest, reply: FastifyReply) => Promise<boolean> {
  return async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const html = (request.headers.accept ?? '').includes('text/html');
    if (request.method !== 'GET' || !html || /^\/(api|ws|assets)(\/|$)/.test(path)) return false;
    if (dir === null) return false;
    const page = await readFile(join(dir, 'index.html'), 'utf8').catch(() => null);
    if (page === null) return false;
    void reply
      .status(404)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(page);
    return true;
  };
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .status(503)
    .type('text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(DASHBOARD_NOT_BUILT);
}

/**
 * Serves the dashboard: its pages (always `index.html`, never cached, so a
 * new build shows on reload) and its content-hashed assets (cached for a
 * year). Both are public: they hold no data; the page signs in to read any.
 * When the build is missing the pages answer 503 saying how to build it; the
 * folder is looked at per request, so building while the server runs
 * is enough.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  options: DashboardOptions,
): Promise<void> {
  const { dir } = options;
  await app.register(async (scope) => {
    // Only the reply decorator: routes are declared here, so unknown paths stay JSON 404s.
    await scope.register(fastifyStatic, { serve: false, preCompressed: true });
    for (const url of DASHBOARD_PAGES) {
      scope.get(
        url,
        { config: { access: 'public' }, schema: { hide: true, querystring: AnyQuery } },
        async (_request, reply) => {
          if (dir === null || !(await exists(join(dir, 'index.html')))) return notBuilt(reply);
          return reply
            .header('content-security-policy', CONTENT_SECURITY_POLICY)
            .header('x-content-type-options', 'nosniff')
            .header('referrer-policy', 'no-referrer')
            .header('cache-control', 'no-cache')
            .sendFile('index.html', dir, { cacheControl: false });
        },
      );
    }
    scope.get<{ Params: { '*': string } }>(
      '/assets/*',
      { config: { access: 'public' }, schema: { hide: true } },
      (request, reply) => {
        if (dir === null) return notBuilt(reply);
        return reply.sendFile(request.params['*'], join(dir, 'assets'), {
          maxAge: 365 * 24 * 3600 * 1000,
          immutable: true,
        });
      },
    );
  });
}
