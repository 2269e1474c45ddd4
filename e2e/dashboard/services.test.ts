import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDashboardBuilt,
  launchBrowser,
  openPage,
  screenshot,
  seriousViolations,
  settle,
} from '../support/browser.js';
import { freePort, startTestServer, waitFor, type TestServer } from '../support/server.js';

/**
 * A service defined, refused, scaled, changed and deleted from the Services
 * screen, against a real server that runs real processes: each step is seen
 * on the screen, then checked against the server and the service's own port.
 */

const NAME = 'echo';
/** One HTTP server per instance, on its PORT, answering GREETING (or ok). */
const SCRIPT =
  "require('http').createServer((q, s) => s.end(process.env.GREETING || 'ok')).listen(process.env.PORT)";

let server: TestServer;
let browser: Browser;

/** What the service answers on `port`, or null while nothing listens there. */
async function answer(port: number): Promise<string | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(2_000),
    });
    return await response.text();
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The message shown under a field: what its aria-describedby points at. */
async function messageOf(page: Page, control: Locator): Promise<string> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ');
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' | ');
}

beforeAll(async () => {
  await assertDashboardBuilt();
  server = await startTestServer();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  // beforeAll may have failed half-way: close what was opened.
  const opened = {
    browser: browser as Browser | undefined,
    server: server as TestServer | undefined,
  };
  await opened.browser?.close();
  await opened.server?.get(`/api/services/${NAME}`, { method: 'DELETE' }).catch(() => undefined);
  await opened.server?.cleanup();
});

describe('services in the dashboard', () => {
  it('creates a service in the form, shows a refusal, scales, edits and deletes it', async () => {
    const port = await freePort();
    const { page, problems, close } = await openPage(browser, {
      baseURL: server.url,
      signIn: server,
    });
    try {
      await page.goto('/services');
      await settle(page);
      await page.getByText('No services yet').waitFor();
      await page.getByRole('button', { name: 'New service' }).first().click();
      const form = page.getByRole('dialog', { name: 'New service' });
      await form.getByLabel('Name', { exact: true }).fill(NAME);
      await form.getByLabel('Command', { exact: true }).fill(process.execPath);
      await form.getByLabel('Arguments', { exact: true }).fill(`-e\n${SCRIPT}`);
      await form.getByLabel('Port', { exact: true }).fill(String(port));
      await form.getByLabel('HTTP request', { exact: true }).check();
      await form.getByLabel('Path', { exact: true }).fill('/');
      const instances = form.getByLabel('Instances', { exact: true });
      await instances.fill('0');
      await form.getByRole('button', { name: 'Create' }).click();

      // The server refuses the count; its words show above the form and under the field,
      // and what was typed is still there.
      await expect.poll(() => instances.getAttribute('aria-invalid')).toBe('true');
      expect(await messageOf(page, instances)).toContain('must be >= 1');
      expect(await form.getByRole('alert').textContent()).toContain(
        'Invalid service /instances: must be >= 1',
      );
      expect(await form.getByLabel('Arguments', { exact: true }).inputValue()).toBe(
        `-e\n${SCRIPT}`,
      );
      expect((await server.json(`/api/services/${NAME}`)).status).toBe(404);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'service-form');

      await instances.fill('1');
      await form.getByRole('button', { name: 'Create' }).click();
      await form.waitFor({ state: 'hidden' });
      await page.waitForURL((url) => url.pathname === `/services/${NAME}`);
      const title = page.locator('#service-detail-title');
      await title.getByText('Online').waitFor({ timeout: 15_000 });
      expect(await answer(port)).toBe('ok');

      // Scaling answers with the new instance at once; it comes online on port + 1.
      await page.getByLabel('Number of instances').fill('2');
      await page.getByRole('button', { name: 'Scale', exact: true }).click();
      await page.getByText('Now 2 instances.').waitFor();
      const table = page.getByRole('region', { name: 'Instances' });
      await expect.poll(() => table.getByRole('row').count()).toBe(3);
      await expect
        .poll(() => table.getByText('Online', { exact: true }).count(), { timeout: 15_000 })
        .toBe(2);
      expect(await answer(port + 1)).toBe('ok');
      await screenshot(page, 'service-detail');

      // Edited: filled in as it is, the new variable rolls through both instances.
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      const edit = page.getByRole('dialog', { name: `Edit ${NAME}` });
      expect(await edit.getByLabel('Arguments', { exact: true }).inputValue()).toBe(
        `-e\n${SCRIPT}`,
      );
      expect(await edit.getByLabel('Instances', { exact: true }).inputValue()).toBe('2');
      await edit.getByLabel('Environment', { exact: true }).fill('GREETING=edited, = kept');
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.waitFor({ state: 'hidden' });
      await waitFor(
        async () =>
          (await answer(port)) === 'edited, = kept' &&
          (await answer(port + 1)) === 'edited, = kept',
        30_000,
        'both instances to run the edited definition',
      );
      const saved = await server.json<{
        spec: { env: Record<string, string>; args: string[] };
        instances: { pid: number | null }[];
      }>(`/api/services/${NAME}`);
      expect(saved.body.spec.env).toEqual({ GREETING: 'edited, = kept' });
      expect(saved.body.spec.args).toEqual(['-e', SCRIPT]);
      await title.getByText('Online').waitFor({ timeout: 15_000 });

      // Deleted once confirmed: the screen goes back to the list, and the processes end.
      await waitFor(
        async () =>
          (
            await server.json<{ instances: { pid: number | null }[] }>(`/api/services/${NAME}`)
          ).body.instances.every((i) => i.pid !== null),
        15_000,
        'both instances to have a process',
      );
      const pids = (
        await server.json<{ instances: { pid: number }[] }>(`/api/services/${NAME}`)
      ).body.instances.map((i) => i.pid);
      expect(pids).toHaveLength(2);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const confirm = page.getByRole('alertdialog', { name: `Delete ${NAME}?` });
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await confirm.waitFor({ state: 'detached', timeout: 15_000 });
      await page.waitForURL((url) => url.pathname === '/services');
      await page.getByText('No services yet').waitFor();
      expect((await server.json(`/api/services/${NAME}`)).status).toBe(404);
      await waitFor(() => pids.every((pid) => !alive(pid)), 10_000, 'the processes to end');
      expect(await answer(port)).toBeNull();

      expect(
        problems.list.filter((p) => !(p.includes('400') && p.includes('/api/services'))),
      ).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
