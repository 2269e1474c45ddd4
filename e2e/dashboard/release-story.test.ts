import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SHOP,
  deployment,
  freePort,
  post,
  shopManifest,
  startLoad,
  until,
  type Deployment,
  type Load,
} from '../delivery/support.js';
import { assertDashboardBuilt, launchBrowser, openPage, settle } from '../support/browser.js';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';

/**
 * "Why did this release roll back?" told by the release screen of a real server: a faulty
 * canary judged by the real analysis and rolled back, and a healthy one that looks twice a
 * second for long enough to pile up looks.
 */

const FINAL = ['COMPLETED', 'FAILED', 'ROLLED_BACK'];

let server: TestServer;
let browser: Browser;
let load: Load | null = null;
let rolledBack: Deployment;

async function deploy(version: string, env?: Record<string, string>): Promise<string> {
  const answer = await post<Deployment>(server, '/api/deployments', {
    app: 'shop',
    namespace: 'test',
    version,
    ...(env === undefined ? {} : { run: { command: process.execPath, args: [SHOP], env } }),
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

async function open(path: string, options: Parameters<typeof openPage>[1] = {}) {
  const opened = await openPage(browser, { baseURL: server.url, signIn: server, ...options });
  await opened.page.goto(path);
  await settle(opened.page);
  return opened;
}

/** The value a chart's legend shows for a series. */
function legendValue(page: Page, chart: string, series: string) {
  return page
    .getByRole('figure', { name: chart })
    .locator(`[data-series-value="${series}"]`)
    .textContent();
}

beforeAll(async () => {
  await assertDashboardBuilt();
  browser = await launchBrowser();
  server = await startTestServer();
  const port = await freePort();
  // One long analysed step: a faulty version fails its first looks, a healthy one is looked at
  // twice a second for two minutes.
  const applied = await post(
    server,
    '/api/apply',
    shopManifest('shop', port, {
      strategy: { type: 'CANARY', canary: { steps: [{ weight: 30, pause: '2m' }] } },
      analysis: { interval: '500ms', minRequests: 10, failureLimit: 1, latencyP99: '1s' },
    }),
  );
  expect(applied.status, JSON.stringify(applied.body)).toBeLessThan(300);
  const first = await deploy('v1');
  expect((await until(server, first, FINAL)).status).toBe('COMPLETED');
  load = startLoad(port, 40);
  const faulty = await deploy('v2', { DEMO_ERROR_RATE: '0.4', DEMO_LATENCY_MS: '120' });
  rolledBack = await until(server, faulty, FINAL);
  expect(rolledBack.status, rolledBack.reason ?? '').toBe('ROLLED_BACK');
}, 180_000);

afterAll(async () => {
  await load?.stop();
  const opened = {
    browser: browser as Browser | undefined,
    server: server as TestServer | undefined,
  };
  await opened.browser?.close();
  await opened.server?.get('/api/apps/test/shop', { method: 'DELETE' }).catch(() => undefined);
  await opened.server?.cleanup();
});

describe('a rolled-back release in the dashboard', () => {
  it('draws both versions in its charts, with the steps and the rollback on the time axis', async () => {
    const { page, problems, close } = await open(`/deployments/${rolledBack.id}`);
    try {
      const charts = page.getByRole('region', { name: 'Trends' });
      await expect.poll(() => charts.locator('canvas').count()).toBeGreaterThanOrEqual(2);
      for (const chart of ['Success rate', 'Response time (p99)']) {
        // The rolled-back version's line has its data, up to the look that failed it.
        expect(await legendValue(page, chart, 'v2 (new)')).toMatch(/\d/);
        expect(await legendValue(page, chart, 'v1 (stable)')).toMatch(/\d/);
      }
      const success = page.getByRole('figure', { name: 'Success rate' });
      const last = rolledBack.metrics.successRate.filter((p) => p.version === 'v2').at(-1);
      expect(
        Number.parseFloat((await legendValue(page, 'Success rate', 'v2 (new)')) ?? ''),
      ).toBeCloseTo(last?.value ?? NaN, 0);
      await success.getByText(/^Rolled back \d\d:\d\d:\d\d$/).waitFor();
      await success.getByText('Step begins').waitFor();
      await success.getByText('Threshold ≥ 95.0%').waitFor();

      // Under the cursor the legend gives the time and each version's value there.
      const legendTime = success.locator('[data-legend] > span').first();
      expect(await legendTime.textContent()).toBe('Latest');
      const plot = success.locator('.u-over');
      await plot.scrollIntoViewIfNeeded();
      const box = await plot.boundingBox();
      if (box === null) throw new Error('the chart has no plot area');
      await plot.hover({ position: { x: box.width * 0.6, y: box.height / 2 } });
      await expect.poll(() => legendTime.textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
      await page.getByRole('heading', { name: 'Trends' }).hover();
      await expect.poll(() => legendTime.textContent()).toBe('Latest');
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it("shows the final window of the release under its cards, never the app's numbers now", async () => {
    const asked: string[] = [];
    const { page, problems, close } = await openPage(browser, {
      baseURL: server.url,
      signIn: server,
    });
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    try {
      await page.goto(`/deployments/${rolledBack.id}`);
      await settle(page);
      const cards = page.getByRole('region', { name: 'Final window' });
      expect(await cards.locator('[data-window]').getAttribute('data-window')).toBe('final');
      expect(await cards.textContent()).toMatch(
        /\d\d:\d\d:\d\d – \d\d:\d\d:\d\d · the last [\d.]+ s measured before it ended \(Rolled back\)/,
      );
      const final = rolledBack.latestWindow?.versions.v2;
      expect(final?.successRate).toBeLessThan(90);
      const success = cards.locator('[data-metric="successRate"]');
      expect(await success.getAttribute('data-health')).toBe('bad');
      const oneDigit = new Intl.NumberFormat('en', {
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      });
      expect(await success.textContent()).toContain(`${oneDigit.format(final?.successRate ?? 0)}%`);
      expect(await success.textContent()).toMatch(/stable: 100\.0%/);
      // The app's live metrics now are the stable version's: the page does not ask for them.
      expect(asked.filter((path) => path.startsWith('/api/metrics'))).toEqual([]);
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});

describe('a long release in the dashboard', () => {
  it('has charts from the first second, a page of bounded height however many looks, and an overview that follows it live', async () => {
    const id = await deploy('v3');
    const { page, problems, close } = await open(`/deployments/${id}`, {
      viewport: { width: 1440, height: 900 },
    });
    try {
      // The charts have their frame (time axis, steps) before the first point.
      const charts = page.getByRole('region', { name: 'Trends' });
      await expect.poll(() => charts.locator('canvas').count()).toBeGreaterThanOrEqual(2);
      const height = () => page.evaluate<number>('document.documentElement.scrollHeight');
      const looks = async () => (await deployment(server, id)).analysis.length;
      // Enough looks to fill the analysis box; from then on the page keeps its height.
      await waitFor(async () => (await looks()) >= 15, 60_000, 'fifteen looks');
      await page.getByText(/^\d+ looks: /).waitFor();
      const early = await height();
      await waitFor(async () => (await looks()) >= 30, 120_000, 'thirty looks');
      // The screen follows the release live; then its height is what it was.
      await expect
        .poll(
          async () =>
            Number(
              /^(\d+) looks/.exec((await page.getByText(/^\d+ looks: /).textContent()) ?? '')?.[1],
            ),
          {
            timeout: 15_000,
          },
        )
        .toBeGreaterThanOrEqual(30);
      const later = await height();
      expect(later).toBeLessThanOrEqual(early + 24);
      expect(later).toBeLessThan(4000);
      const box = await page.getByRole('region', { name: 'Analysis looks' }).boundingBox();
      expect(box?.height).toBeLessThanOrEqual(26 * 16);

      // The overview follows the moving release through the socket: its looks do not make it
      // fetch the lists again.
      await page.goto('/');
      await settle(page);
      const cards = page.getByRole('region', { name: 'Deployments' }).getByRole('link');
      await expect.poll(() => cards.filter({ hasText: 'In progress' }).textContent()).toMatch(/1$/);
      const asked: string[] = [];
      const record = (request: { url: () => string }) => asked.push(request.url());
      page.on('request', record);
      const before = await looks();
      await waitFor(async () => (await looks()) >= before + 4, 30_000, 'four more looks');
      page.off('request', record);
      expect(asked.filter((url) => new URL(url).pathname.startsWith('/api/deployments'))).toEqual(
        [],
      );
      // Each count opens the list of the releases it counts.
      await cards.filter({ hasText: 'In progress' }).click();
      await settle(page);
      const rows = page.getByRole('region', { name: 'Deployments' }).locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain('v3');
      await page.goto('/');
      await settle(page);
      await expect.poll(() => cards.filter({ hasText: 'Failed' }).textContent()).toMatch(/1$/);
      await cards.filter({ hasText: 'Failed' }).click();
      await settle(page);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().textContent()).toMatch(/v2.*Rolled back/);
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
    expect((await post(server, `/api/deployments/${id}/promote`)).status).toBe(200);
    expect((await until(server, id, FINAL)).status).toBe('COMPLETED');
  }, 240_000);
});
