import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { assertDashboardBuilt, launchBrowser, openPage } from '../support/browser.js';
import { freePort, startTestServer, type TestServer } from '../support/server.js';

/**
 * A person signs in through the printed link and uses the dashboard; a page
 * of another origin open in the same browser, with the session cookie in
 * the jar, cannot drive the API.
 */

let server: TestServer;
let browser: Browser;
let evil: Server;
let evilOrigin: string;

/** What the other page tries, in the browser; it reports what each attempt came to. */
function evilPage(target: string): string {
  return `<!doctype html><title>evil</title><script>
const out = {};
const done = () => { document.title = 'done'; document.body.dataset.result = JSON.stringify(out); };
Promise.all([
  fetch('${target}/api/tasks', { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ id: 'from-evil', script_path: '/bin/true' }) })
    .then((r) => { out.post = r.status; }, () => { out.post = 'blocked'; }),
  fetch('${target}/api/auth/logout', { method: 'POST', credentials: 'include', mode: 'no-cors' })
    .then(() => { out.logout = 'sent'; }, () => { out.logout = 'blocked'; }),
  fetch('${target}/api/status', { credentials: 'include' })
    .then((r) => r.text().then((t) => { out.read = t; }), () => { out.read = 'blocked'; }),
  new Promise((resolve) => {
    const socket = new WebSocket('${target.replace('http', 'ws')}/ws');
    socket.onopen = () => { out.socket = 'open'; socket.close(); resolve(); };
    socket.onerror = () => { out.socket = 'refused'; resolve(); };
  }),
]).then(done, done);
</script>`;
}

beforeAll(async () => {
  await assertDashboardBuilt();
  server = await startTestServer();
  browser = await launchBrowser();
  const port = await freePort();
  evilOrigin = `http://127.0.0.1:${port}`;
  evil = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(evilPage(server.url));
  });
  await new Promise<void>((resolve) => evil.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await browser.close();
  await new Promise((resolve) => evil.close(resolve));
  await server.cleanup();
});

describe('the dashboard in a real browser', () => {
  it('signs in through the printed link, shows the data, and a page of another origin cannot drive the API', async () => {
    const { page, close } = await openPage(browser, { baseURL: server.url, signIn: server });
    try {
      expect(new URL(page.url()).search).toBe('');
      await page.goto('/tasks');
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      await page.getByText('No tasks yet').waitFor();
      const cookies = await page.context().cookies();
      expect(cookies).toEqual([
        expect.objectContaining({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' }),
      ]);

      // Another origin on the same host: same site, so the browser even sends the cookie.
      const other = await page.context().newPage();
      await other.goto(evilOrigin);
      await other.waitForFunction("document.title === 'done'", undefined, { timeout: 15_000 });
      const result = JSON.parse(
        (await other.locator('body').getAttribute('data-result')) ?? '{}',
      ) as Record<string, unknown>;
      // The POST is refused by the server (403), and its answer is unreadable anyway.
      expect(result.post).toBe('blocked');
      expect(result.read).toBe('blocked');
      expect(result.socket).toBe('refused');
      await other.close();

      expect((await server.json('/api/tasks/from-evil')).status).toBe(404);
      // The session survived the cross-site sign-out attempt.
      await page.reload();
      await page.getByText('No tasks yet').waitFor();
      expect(await page.getByRole('dialog', { name: 'Sign in' }).count()).toBe(0);

      // Signing out ends the session: the next screen asks to sign in again.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('dialog', { name: 'Sign in' }).waitFor();
      await page.reload();
      await page.getByRole('dialog', { name: 'Sign in' }).waitFor();
    } finally {
      await close();
    }
  }, 60_000);

  it('refuses a used link and says so', async () => {
    const link = server.loginLink().url;
    const first = await openPage(browser, { baseURL: server.url });
    const second = await openPage(browser, { baseURL: server.url });
    try {
      await first.page.goto(link);
      await first.page.waitForURL((url) => url.pathname === '/' && url.search === '');
      await second.page.goto(link);
      await second.page.getByRole('dialog', { name: 'Sign in' }).waitFor();
      await second.page.getByText('That sign-in link was used already or has expired').waitFor();
      expect(new URL(second.page.url()).search).toBe('');
    } finally {
      await first.close();
      await second.close();
    }
  }, 60_000);
});
