import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDashboardBuilt,
  launchBrowser,
  openPage,
  screenshot,
  seriousViolations,
  settle,
} from '../support/browser.js';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';

/** The dashboard in a real browser against a real server. */

const node = process.execPath;
let server: TestServer;
let browser: Browser;
/** Deployment endpoints this server does not have yet answer 404; nothing else may fail. */
let deploymentsMissing = false;

async function post(path: string, body?: unknown): Promise<Response> {
  return server.get(path, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

async function open(options: Parameters<typeof openPage>[1] = {}) {
  const opened = await openPage(browser, { baseURL: server.url, signIn: server, ...options });
  if (deploymentsMissing) opened.problems.allow(/^\/api\/(deployments|canaries|metrics)(\/|$)/);
  return opened;
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await settle(page);
}

const NAV = [
  '/deployments',
  '/canaries',
  '/services',
  '/tasks',
  '/logs',
  '/system',
  '/settings',
  '/',
];

const SCREENS = [
  { path: '/', name: 'overview' },
  { path: '/deployments', name: 'deployments' },
  { path: '/canaries', name: 'canaries' },
  { path: '/services', name: 'services' },
  { path: '/services/ticker', name: 'service' },
  { path: '/tasks', name: 'tasks' },
  { path: '/tasks/heartbeat', name: 'task' },
  { path: '/logs', name: 'logs' },
  { path: '/system', name: 'system' },
  { path: '/settings', name: 'settings' },
] as const;

beforeAll(async () => {
  await assertDashboardBuilt();
  server = await startTestServer();
  browser = await launchBrowser();
  const probe = await server.json<{ error?: { code: string } }>('/api/deployments');
  deploymentsMissing = probe.status === 404 && probe.body.error?.code === 'CD_ROUTE_NOT_FOUND';

  expect(
    (
      await post('/api/tasks', {
        id: 'heartbeat',
        description: 'Says it is alive',
        script_path: node,
        args: ['-e', "console.log('alive'); console.error('WARNING: disk 80% full')"],
        interval_minutes: 60,
      })
    ).status,
  ).toBe(201);
  await post('/api/tasks/heartbeat/run');
  expect(
    (
      await post('/api/services', {
        name: 'ticker',
        command: node,
        args: ['-e', "setInterval(() => console.log('tick ' + Date.now()), 400)"],
      })
    ).status,
  ).toBe(201);
  await waitFor(
    async () =>
      (
        await server.json<{ items: { status: string }[] }>('/api/tasks/heartbeat/runs')
      ).body.items.some((run) => run.status !== 'RUNNING'),
    15_000,
    'the first heartbeat run',
  );
}, 120_000);

afterAll(async () => {
  // beforeAll may have failed half-way: close what was opened.
  const opened = {
    browser: browser as Browser | undefined,
    server: server as TestServer | undefined,
  };
  await opened.browser?.close();
  await opened.server?.get('/api/services/ticker', { method: 'DELETE' }).catch(() => undefined);
  await opened.server?.cleanup();
});

describe('the dashboard', () => {
  it('opens every screen, on reload too, with no console error, no failed request and one live socket', async () => {
    const { page, problems, sockets, close } = await open();
    try {
      await visit(page, '/');
      for (const path of NAV) {
        await page.locator(`aside nav a[href="${path}"]`).click();
        await page.waitForURL((url) => url.pathname === path);
        await settle(page);
      }
      // Navigation within the app kept the one socket the tab opened.
      expect(sockets).toHaveLength(1);
      expect(sockets[0]).toMatch(/\/ws$/);

      for (const screen of SCREENS) {
        await visit(page, screen.path);
        await screenshot(page, screen.name);
      }
      expect(await page.locator('main h1').first().textContent()).toBe('Settings');

      // Tasks are pushed, not polled: over a window longer than the shortest allowed poll
      // (5 s), an idle task screen asks the server nothing.
      await visit(page, '/tasks');
      const asked: string[] = [];
      const record = (request: { url: () => string }) => asked.push(request.url());
      page.on('request', record);
      await page.waitForTimeout(5_500);
      page.off('request', record);
      expect(asked).toEqual([]);
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('creates a task in the form, shows the server’s field problems, runs it and streams its log', async () => {
    const { page, problems, close } = await open();
    try {
      await visit(page, '/tasks');
      await page.getByRole('button', { name: 'New task' }).first().click();
      const form = page.getByRole('dialog', { name: 'New task' });
      await form.getByLabel('ID', { exact: true }).fill('from-the-form');
      await form.getByLabel('Script', { exact: true }).fill(node);
      await form
        .getByLabel('Arguments')
        .fill(
          "-e\nlet i = 0; const t = setInterval(() => { console.log('line ' + ++i); if (i === 5) clearInterval(t); }, 300)",
        );
      await form.getByLabel('Cron', { exact: true }).check();
      await form.getByLabel('Cron expression', { exact: true }).fill('every day');
      await form.getByRole('button', { name: 'Create' }).click();

      // The server refuses the schedule; its words show under the field.
      const cron = form.getByLabel('Cron expression', { exact: true });
      await expect.poll(() => cron.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await cron.getAttribute('aria-describedby')) ?? '';
      const message = await page
        .locator(`[id="${describedBy.split(' ').at(-1) ?? ''}"]`)
        .textContent();
      expect(message).toMatch(/cron/i);
      await screenshot(page, 'task-form');

      await form.getByLabel('On demand', { exact: true }).check();
      await form.getByRole('button', { name: 'Create' }).click();
      await form.waitFor({ state: 'hidden' });
      await page.getByRole('link', { name: 'from-the-form' }).click();
      await settle(page);

      await page.getByRole('button', { name: 'Run now from-the-form' }).click();
      const log = page.getByRole('log', { name: /Log of run/ });
      await log.getByText('line 1', { exact: false }).waitFor({ timeout: 15_000 });
      await log.getByText('line 5').waitFor({ timeout: 15_000 });
      await page.getByRole('table').getByText('Success').first().waitFor({ timeout: 15_000 });
      await screenshot(page, 'task-run');
      expect(problems.list.filter((p) => !p.includes('/api/tasks') || !p.includes('400'))).toEqual(
        [],
      );
    } finally {
      await close();
    }
  }, 90_000);

  it('follows the logs live, filters them by level and pauses', async () => {
    const { page, problems, close } = await open();
    try {
      await visit(page, '/logs');
      const log = page.getByRole('log', { name: 'Logs' });
      await log.getByText('tick', { exact: false }).first().waitFor();
      const count = () => log.locator('[data-level]').count();
      const before = await count();
      await expect.poll(count, { timeout: 10_000 }).toBeGreaterThan(before);

      await page.getByRole('button', { name: 'Pause' }).click();
      const paused = await count();
      await expect
        .poll(() => page.getByRole('button', { name: /Resume \([1-9]/ }).count(), {
          timeout: 10_000,
        })
        .toBe(1);
      expect(await count()).toBe(paused);
      await page.getByRole('button', { name: /Resume/ }).click();
      await expect.poll(count).toBeGreaterThan(paused);

      await page.getByRole('button', { name: 'INFO', exact: true }).click();
      await expect.poll(() => log.locator('[data-level="INFO"]').count()).toBe(0);
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('lets its socket go while the tab is hidden and catches up when it comes back', async () => {
    const { page, problems, close } = await open();
    let opened = 0;
    let closed = 0;
    page.on('websocket', (socket) => {
      opened += 1;
      socket.on('close', () => (closed += 1));
    });
    // What the browser does when the tab goes to the background or comes back.
    const setHidden = (hidden: boolean) =>
      page.evaluate(`(() => {
        const hidden = ${String(hidden)};
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (hidden ? 'hidden' : 'visible'),
        });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
        document.dispatchEvent(new Event('visibilitychange'));
      })()`);
    const runs = async () =>
      (await server.json<{ items: { run: string; status: string }[] }>('/api/tasks/heartbeat/runs'))
        .body.items;
    try {
      await visit(page, '/tasks/heartbeat');
      await expect.poll(() => opened).toBe(1);

      await setHidden(true);
      // After a grace period of 5 s the hidden tab closes its socket.
      await expect.poll(() => closed, { timeout: 15_000 }).toBe(1);

      // The task runs while nobody looks: the page hears nothing of it and asks nothing.
      const known = new Set((await runs()).map((r) => r.run));
      expect((await post('/api/tasks/heartbeat/run')).status).toBeLessThan(300);
      let fresh = '';
      await waitFor(
        async () => {
          const run = (await runs()).find((r) => !known.has(r.run) && r.status !== 'RUNNING');
          fresh = run?.run ?? '';
          return run !== undefined;
        },
        15_000,
        'the run started while the tab was hidden',
      );
      const link = page.locator(`a[href="/tasks/heartbeat/runs/${encodeURIComponent(fresh)}"]`);
      expect(await link.count()).toBe(0);
      expect(opened).toBe(1);

      await setHidden(false);
      // Visible again: a new socket, and the run that happened meanwhile is on the screen.
      await link.waitFor({ timeout: 15_000 });
      expect(opened).toBe(2);
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('switches language and theme, and keeps both across a reload', async () => {
    const { page, problems, close } = await open({ locale: 'en-US', colorScheme: 'light' });
    try {
      await visit(page, '/tasks');
      // The page's colour scheme follows the theme: the stylesheet sets it with the colours.
      const scheme = () =>
        page.evaluate<string>('getComputedStyle(document.documentElement).colorScheme');
      expect(await scheme()).toBe('light');

      await page.getByLabel('Language').selectOption('zh-CN');
      await page.getByRole('heading', { name: '任务管理' }).waitFor();
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
      await page.getByLabel('主题').selectOption('dark');
      expect(await scheme()).toBe('dark');
      await screenshot(page, 'tasks-zh-dark');

      await page.reload();
      await settle(page);
      expect(await page.locator('main h1').textContent()).toBe('任务管理');
      expect(await scheme()).toBe('dark');

      await page.getByLabel('主题').selectOption('system');
      expect(await scheme()).toBe('light');
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await scheme()).toBe('dark');
      await page.getByLabel('语言').selectOption('en');
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('picks Chinese for a browser that prefers it', async () => {
    const { page, close } = await open({ locale: 'zh-CN' });
    try {
      await visit(page, '/');
      expect(await page.locator('main h1').textContent()).toBe('总览');
    } finally {
      await close();
    }
  }, 30_000);

  it('fits a phone: no sideways scrolling, and the menu opens from its button', async () => {
    const { page, problems, close } = await open({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      for (const path of ['/', '/deployments', '/tasks', '/logs', '/system', '/settings']) {
        await visit(page, path);
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        expect(overflow, path).toBeLessThanOrEqual(0);
      }
      await screenshot(page, 'phone-settings');
      await page.getByRole('button', { name: 'Open the menu' }).click();
      await page.locator('#mobile-nav').getByRole('link', { name: 'Tasks' }).click();
      await page.waitForURL('**/tasks');
      await settle(page);
      expect(await page.locator('#mobile-nav').count()).toBe(0);
      await screenshot(page, 'phone-tasks');
      expect(problems.list).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('has no serious or critical accessibility violation on any screen, light or dark', async () => {
    const { page, close } = await open();
    try {
      const found: string[] = [];
      for (const screen of SCREENS) {
        await visit(page, screen.path);
        found.push(...(await seriousViolations(page)).map((v) => `${screen.path}: ${v}`));
      }
      await page.getByLabel('Theme').selectOption('dark');
      for (const path of ['/', '/tasks/heartbeat', '/logs', '/settings']) {
        await visit(page, path);
        found.push(...(await seriousViolations(page)).map((v) => `${path} (dark): ${v}`));
      }
      await visit(page, '/tasks');
      await page.getByRole('button', { name: 'New task' }).first().click();
      found.push(...(await seriousViolations(page)).map((v) => `task form: ${v}`));
      expect(found).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('reaches every screen from the keyboard alone', async () => {
    const { page, close } = await open();
    try {
      await visit(page, '/');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe(
        'Skip to content',
      );
      const reached = new Set<string>();
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press('Tab');
        const href = await page.evaluate<string | null>(
          "document.activeElement.getAttribute('href')",
        );
        if (href) reached.add(href);
      }
      for (const path of [
        '/',
        '/deployments',
        '/canaries',
        '/services',
        '/tasks',
        '/logs',
        '/system',
        '/settings',
      ]) {
        expect(reached, path).toContain(path);
      }
      // Enter on a focused link opens its screen.
      await page.locator('aside nav a[href="/tasks"]').focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    } finally {
      await close();
    }
  }, 30_000);
});

describe('signing in without a link', () => {
  it('asks to sign in, trades the admin token for a session kept in no storage, and then shows the data live', async () => {
    const token = 'dashboard-e2e-token-0123456789';
    const guarded = await startTestServer({ env: { CODEDANCE_ADMIN_TOKEN: token } });
    const opened = await openPage(browser, { baseURL: guarded.url });
    const { page, close } = opened;
    try {
      await page.goto('/tasks');
      const dialog = page.getByRole('dialog', { name: 'Sign in' });
      await dialog.waitFor();
      await dialog.getByLabel('Admin token').fill('not-the-admin-token-at-all');
      await dialog.getByRole('button', { name: 'Sign in' }).click();
      await dialog.getByRole('alert').waitFor();
      await dialog.getByLabel('Admin token').fill(token);
      await dialog.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('No tasks yet').waitFor();
      await expect
        .poll(() => page.getByRole('status').filter({ hasText: 'Live' }).count())
        .toBeGreaterThan(0);

      await page.reload();
      await settle(page);
      expect(await page.getByRole('dialog').count()).toBe(0);
      // The browser keeps the session as an HttpOnly cookie, and the token nowhere.
      const storage = await page.evaluate<string>(
        'JSON.stringify([Object.values(localStorage), Object.values(sessionStorage), document.cookie])',
      );
      expect(storage).not.toContain(token);
      expect(storage).not.toContain('codedance_session');
      expect(opened.sockets.every((url) => !url.includes('token'))).toBe(true);
      // Only the first, signed-out, requests and socket were refused.
      expect(
        opened.problems.list.filter((p) => !p.includes('401') && !p.includes('WebSocket')),
      ).toEqual([]);
    } finally {
      await close();
      await guarded.cleanup();
    }
  }, 60_000);
});
