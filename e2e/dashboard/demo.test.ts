import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDashboardBuilt, launchBrowser, openPage, settle } from '../support/browser.js';
import { freePort } from '../delivery/support.js';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';

/**
 * The demo `npm start` runs, watched in the browser: the faulty release's page shows its
 * traffic step and then, pushed over the live socket without a reload, the automatic rollback
 * and why it happened.
 */

interface Row {
  id: string;
  version: string;
  status: string;
}

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  await assertDashboardBuilt();
  browser = await launchBrowser();
  server = await startTestServer({ demo: { port: await freePort(), stepSeconds: 2 } });
}, 60_000);

afterAll(async () => {
  const opened = {
    browser: browser as Browser | undefined,
    server: server as TestServer | undefined,
  };
  await opened.browser?.close();
  await opened.server?.get('/api/services/demo.load', { method: 'DELETE' }).catch(() => undefined);
  await opened.server?.get('/api/apps/demo/shop', { method: 'DELETE' }).catch(() => undefined);
  await opened.server?.cleanup();
});

describe("the demo's faulty release in the dashboard", () => {
  it('shows the progress, then the automatic rollback with its reason, live', async () => {
    let faulty: Row | undefined;
    await waitFor(
      async () => {
        const list = await server.json<{ items: Row[] }>(
          '/api/deployments?app=shop&environment=demo',
        );
        faulty = list.body.items.find((row) => row.version === 'v3');
        const healthy = list.body.items.find((row) => row.version === 'v2');
        expect(healthy?.status ?? 'RUNNING').not.toMatch(/FAILED|ROLLED_BACK/);
        return faulty !== undefined;
      },
      120_000,
      'the faulty release to start',
    );
    const id = faulty?.id ?? '';
    const { page, problems, close } = await openPage(browser, {
      baseURL: server.url,
      signIn: server,
    });
    try {
      await page.goto(`/deployments/${id}`);
      await settle(page);
      await page.getByText(/Traffic to v3: 20%/).waitFor({ timeout: 30_000 });
      const why = page.getByRole('note');
      await why.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
        const record = await server.json<{ status: string; reason: string | null }>(
          `/api/deployments/${id}`,
        );
        throw new Error(
          `${String(error)}; the release is ${record.body.status}: ${record.body.reason ?? ''}`,
        );
      });
      expect(await why.textContent()).toMatch(
        /Why it rolled back.*(error rate|success rate|latency)/s,
      );
      await page.getByText('Rolled back').first().waitFor();
      const record = await server.json<{ status: string; reason: string }>(
        `/api/deployments/${id}`,
      );
      expect(record.body.status).toBe('ROLLED_BACK');
      expect(await why.textContent()).toContain(record.body.reason.slice(0, 40));
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 240_000);
});
