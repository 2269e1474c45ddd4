import { access, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium: `npx playwright install` cannot download a browser here. */
export const CHROMIUM = process.env.CODEDANCE_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built dashboard the server serves; the suite needs `npm run build` first. */
export async function assertDashboardBuilt(): Promise<void> {
  const index = join(dirname(require.resolve('@codedance/web/package.json')), 'dist', 'index.html');
  try {
    await access(index);
  } catch {
    throw new Error(`${index} is missing: run \`npm run build\` before the dashboard tests.`);
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** What went wrong in a page: console errors, uncaught exceptions, failed and refused requests. */
export interface PageProblems {
  list: string[];
  /** Stops counting a path as a problem (an endpoint this server does not have yet). */
  allow: (pattern: RegExp) => void;
}

/** A server that can hand out one-time sign-in links, as `codedance dashboard` prints them. */
export interface SignsIn {
  loginLink: () => { url: string };
}

/**
 * A new page that records its problems. A request the page itself gave up
 * (net::ERR_ABORTED, when a screen it was for is left) is not a problem.
 * Given `signIn`, the page first signs in the way a person does: it opens a
 * one-time link and lands on the dashboard with a session cookie.
 */
export async function openPage(
  browser: Browser,
  options: BrowserContextOptions & { signIn?: SignsIn } = {},
): Promise<{ page: Page; problems: PageProblems; sockets: string[]; close: () => Promise<void> }> {
  const { signIn, ...contextOptions } = options;
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    ...contextOptions,
  });
  const page = await context.newPage();
  if (signIn !== undefined) {
    // Signed in before anything is recorded, and off the page again: what a test counts
    // (sockets, failed requests) is then its own.
    await page.goto(signIn.loginLink().url);
    await page.waitForURL((url) => url.pathname === '/' && url.search === '');
    await page.goto('about:blank');
  }
  const allowed: RegExp[] = [];
  const list: string[] = [];
  const sockets: string[] = [];
  const isAllowed = (url: string) => allowed.some((pattern) => pattern.test(new URL(url).pathname));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (url && isAllowed(url)) return;
    list.push(`console: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => list.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    if (failure.includes('ERR_ABORTED')) return;
    list.push(`request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !isAllowed(response.url())) {
      list.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('websocket', (socket) => sockets.push(socket.url()));
  return {
    page,
    problems: { list, allow: (pattern) => allowed.push(pattern) },
    sockets,
    close: () => context.close(),
  };
}

/** Waits until the screen has its heading and nothing in it is loading. */
export async function settle(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor({ state: 'visible', timeout: 15_000 });
  // Locators, not a function evaluated in the page: the page's policy forbids eval.
  await page
    .locator('main [role=status] .animate-spin')
    .first()
    .waitFor({ state: 'detached', timeout: 15_000 });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core (its source injected into the page) and answers the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate<{ violations: AxeViolation[] }>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })",
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact ?? ''} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** Saves a screenshot into docs/screenshots/ when CODEDANCE_SCREENSHOTS=1 (so test runs leave the tree clean). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.CODEDANCE_SCREENSHOTS !== '1') return;
  const dir = join(ROOT, 'docs', 'screenshots');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}
