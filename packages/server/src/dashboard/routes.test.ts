import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { guardApp } from '../auth/test-support/access.js';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import { DASHBOARD_NOT_BUILT, dashboardNotFound, dashboardRoutes } from './routes.js';

const opened: BareApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const PAGE = '<!doctype html><title>Codedance</title><div id="root"></div>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

async function builtDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'codedance-web-'));
  dirs.push(dir);
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), PAGE);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
  await writeFile(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT));
  return dir;
}

async function serve(dir: string | null, token?: string): Promise<string> {
  const app = await startBareApp(async (instance) => {
    if (token !== undefined) {
      const guarded = await guardApp(instance, { token });
      instance.addHook('onClose', guarded.release);
    }
    instance.get('/api/thing', () => ({ ok: true }));
    await dashboardRoutes(instance, { dir });
  });
  opened.push(app);
  return app.url;
}

describe('the dashboard routes', () => {
  it('answers an unknown page a browser opens with the dashboard and 404; the API keeps its JSON', async () => {
    const dir = await builtDir();
    const app = await startBareApp(
      async (instance) => {
        await dashboardRoutes(instance, { dir });
      },
      { notFoundPage: dashboardNotFound(dir) },
    );
    opened.push(app);
    const page = await fetch(`${app.url}/no/such/page?x=1`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toBe(PAGE);
    for (const [path, accept] of [
      ['/no/such/page', 'application/json'],
      ['/api/nothing', 'text/html'],
      ['/ws/nothing', 'text/html'],
    ] as const) {
      const json = await fetch(`${app.url}${path}`, { headers: { accept } });
      expect(json.status, path).toBe(404);
      expect(json.headers.get('content-type'), path).toContain('application/json');
    }
    const post = await fetch(`${app.url}/no/such/page`, {
      method: 'POST',
      headers: { accept: 'text/html' },
    });
    expect(post.headers.get('content-type')).toContain('application/json');
  });

  it('answers every page of the dashboard with its index.html, uncached, with a content security policy', async () => {
    const url = await serve(await builtDir());
    for (const path of [
      '/',
      '/tasks',
      '/tasks/nightly',
      '/deployments/dep-1?status=FAILED',
      '/logs',
      '/settings',
      '/system',
      '/canaries',
      '/services/web',
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain('text/html');
      expect(response.headers.get('cache-control'), path).toBe('no-cache');
      expect(response.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(await response.text(), path).toBe(PAGE);
    }
  });

  it('serves hashed assets for a year, compressed when the client accepts it, and nothing outside the folder', async () => {
    const url = await serve(await builtDir());
    const plain = await fetch(`${url}/assets/index-abc123.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toContain('javascript');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await plain.text()).toBe(SCRIPT);

    const zipped = await fetch(`${url}/assets/index-abc123.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(await zipped.text()).toBe(SCRIPT);

    for (const path of ['/assets/missing.js', '/nowhere']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toMatchObject({ error: { code: 'CD_ROUTE_NOT_FOUND' } });
    }
    const escape = await fetch(`${url}/assets/..%2findex.html`);
    expect(escape.status).toBe(400);
    expect(await escape.text()).not.toContain('<title>');
  });

  it('opens the pages and assets without the token while the API still asks for it', async () => {
    const url = await serve(await builtDir(), 'sesame-0123456789');
    expect((await fetch(`${url}/deployments`)).status).toBe(200);
    expect((await fetch(`${url}/assets/index-abc123.js`)).status).toBe(200);
    expect((await fetch(`${url}/api/thing`)).status).toBe(401);
    const authorised = await fetch(`${url}/api/thing`, {
      headers: { authorization: 'Bearer sesame-0123456789' },
    });
    expect(authorised.status).toBe(200);
  });

  it('says how to build the dashboard when it has not been built, and notices a build that arrives later', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codedance-web-'));
    dirs.push(dir);
    const url = await serve(dir);
    const missing = await fetch(`${url}/tasks`);
    expect(missing.status).toBe(503);
    expect(missing.headers.get('content-type')).toContain('text/plain');
    const text = await missing.text();
    expect(text).toBe(DASHBOARD_NOT_BUILT);
    expect(text).toContain('npm run build');

    await writeFile(join(dir, 'index.html'), PAGE);
    expect((await fetch(`${url}/tasks`)).status).toBe(200);

    const nowhere = await serve(null);
    expect((await fetch(`${nowhere}/`)).status).toBe(503);
    expect((await fetch(`${nowhere}/assets/index.js`)).status).toBe(503);
  });
});
