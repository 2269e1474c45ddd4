import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDashboardBuilt,
  launchBrowser,
  openPage,
  screenshot,
  settle,
} from '../support/browser.js';
import { freePort, startTestServer, waitFor, type TestServer } from '../support/server.js';

/**
 * Releases in the browser against the real delivery controller. The app's
 * canary steps wait for a person (the manual preset), so the test, not the
 * machine's speed, decides when a release moves.
 */

const SHOP = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'packages',
  'server',
  'demo',
  'shop.mjs',
);

let server: TestServer;
let browser: Browser;
let port = 0;
let load: NodeJS.Timeout | null = null;

async function send(method: string, path: string, body?: unknown) {
  return server.json<Record<string, unknown>>(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

async function deploy(version: string): Promise<string> {
  const answer = await send('POST', '/api/deployments', {
    app: 'shop',
    namespace: 'staging',
    version,
    executor: 'e2e',
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
}

async function statusOf(id: string): Promise<string> {
  return (await send('GET', `/api/deployments/${id}`)).body.status as string;
}

/** Presses an action and confirms it in the dialog that asks first. */
async function act(page: Page, action: string, title: string): Promise<void> {
  await page.getByRole('button', { name: action, exact: true }).click();
  const dialog = page.getByRole('alertdialog', { name: title });
  await dialog.getByRole('button', { name: action }).click();
  const refused = dialog.getByRole('alert');
  await Promise.race([dialog.waitFor({ state: 'detached' }), refused.waitFor()]);
  if ((await refused.count()) > 0)
    throw new Error(`${action} was refused: ${await refused.textContent()}`);
}

beforeAll(async () => {
  await assertDashboardBuilt();
  server = await startTestServer();
  browser = await launchBrowser();
  port = await freePort();
  const applied = await send('POST', '/api/apply', {
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop', namespace: 'staging' },
    spec: {
      port,
      instances: 1,
      run: { command: process.execPath, args: [SHOP] },
      readiness: { type: 'http', path: '/healthz' },
      strategy: { type: 'CANARY', canary: { preset: 'manual' } },
      keepPrevious: '1m',
    },
  });
  expect(applied.status, JSON.stringify(applied.body)).toBeLessThan(300);
  const first = await deploy('v1');
  await waitFor(async () => (await statusOf(first)) === 'COMPLETED', 60_000, 'v1 to complete');
  // A little traffic, so the metrics and charts have something to show.
  load = setInterval(() => {
    fetch(`http://127.0.0.1:${port}/`).then(
      (response) => response.body?.cancel(),
      () => undefined,
    );
  }, 40);
}, 120_000);

afterAll(async () => {
  if (load) clearInterval(load);
  // beforeAll may have failed half-way: close what was opened.
  const opened = {
    browser: browser as Browser | undefined,
    server: server as TestServer | undefined,
  };
  await opened.browser?.close();
  await opened.server?.get('/api/apps/staging/shop', { method: 'DELETE' }).catch(() => undefined);
  await opened.server?.cleanup();
});

describe('releases in the dashboard', () => {
  it('shows a new release live, moves it on and promotes it, and aborts another', async () => {
    const { page, problems, close } = await openPage(browser, {
      baseURL: server.url,
      signIn: server,
    });
    try {
      await page.goto('/deployments');
      await settle(page);
      const table = page.getByRole('region', { name: 'Deployments' });
      await table.getByRole('row').filter({ hasText: 'v1' }).getByText('Completed').waitFor();

      // Started elsewhere: the list learns of it from the live socket, without a reload.
      const v2 = await deploy('v2');
      const row = table.getByRole('row').filter({ hasText: 'v2' });
      await row.getByText(/Running|Paused/).waitFor({ timeout: 30_000 });
      await row.getByRole('link', { name: /Details/ }).click();
      await settle(page);
      // A manual step holds the release, paused, until a person moves it on.
      const current = page.locator('[aria-current="step"]');
      await current.getByText('Traffic 10%').waitFor({ timeout: 30_000 });
      await current.getByText(/waits for promote/).waitFor();
      await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
      await page.locator('[data-metric="requestRate"]').waitFor();
      await screenshot(page, 'release-waiting');

      // Resume moves it one step; the screen follows what the server did, step by step.
      await act(page, 'Resume', 'Resume shop v2?');
      await current.getByText('Traffic 50%').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Resume', exact: true }).waitFor({ timeout: 15_000 });
      expect(await statusOf(v2)).toBe('PAUSED');

      await act(page, 'Promote', 'Promote shop v2?');
      await page
        .getByRole('main')
        .getByText('Completed', { exact: true })
        .first()
        .waitFor({ timeout: 60_000 });
      expect(await statusOf(v2)).toBe('COMPLETED');
      await expect
        .poll(() => page.locator('figure canvas').count(), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
      await screenshot(page, 'release-completed');

      // v3 is aborted from the dashboard; the screen then says why it rolled back.
      const v3 = await deploy('v3');
      await page.goto(`/deployments/${v3}`);
      await settle(page);
      await page.getByRole('button', { name: 'Abort', exact: true }).waitFor({ timeout: 30_000 });
      await act(page, 'Abort', 'Abort shop v3?');
      const why = page.getByRole('note');
      await why.waitFor({ timeout: 60_000 });
      expect(await why.textContent()).toContain('Why it rolled back');
      expect(['ROLLED_BACK', 'FAILED']).toContain(await statusOf(v3));
      await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
      await screenshot(page, 'release-rolled-back');

      await page.goto('/canaries');
      await settle(page);
      await page.getByRole('link', { name: /shop/ }).first().click();
      await page.getByRole('heading', { name: /shop · v3/ }).waitFor({ timeout: 15_000 });
      await screenshot(page, 'canaries-detail');

      await page.goto('/');
      await settle(page);
      const cards = page.getByRole('region', { name: 'Deployments' }).getByRole('listitem');
      await expect.poll(() => cards.first().textContent()).toContain('3');
      await expect.poll(() => cards.nth(1).textContent()).toContain('2');
      await expect.poll(() => cards.nth(4).textContent()).toContain('1');
      await screenshot(page, 'overview-releases');
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 240_000);
});
