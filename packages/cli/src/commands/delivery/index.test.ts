import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, closedPort, startCli, type LongRunning } from '../../test-support/cli.js';
import { startLoad } from '../../test-support/load.js';
import { startServerChild, stopServer, type ServerChild } from '../../test-support/server-child.js';
import type { App, Deployment, DeploymentPage } from '@codedance/api';

const SHOP = fileURLToPath(new URL('../../../../server/demo/shop.mjs', import.meta.url));
const DEMO = dirname(SHOP);

/** The demo shop with fast steps, so that a release takes seconds. */
function shopYaml(port: number, canary: string): string {
  return `apiVersion: deploy.codedance.io/v1alpha1
kind: App
metadata:
  name: shop
  namespace: test
spec:
  port: ${port}
  instances: 2
  run:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(SHOP)}]
  readiness: { type: http, path: /healthz }
  strategy:
    type: CANARY
    canary: ${canary}
  analysis: { interval: 1s, minRequests: 20, failureLimit: 0 }
  keepPrevious: 1m
`;
}

const FAST = '{ steps: [{ weight: 20, pause: 5s }, { weight: 50, pause: 2s }] }';

/** The built `codedance` delivery commands, run as child processes against a real server. */
describe('codedance apply / apps / deploy / rollout against a running server', () => {
  let tmp: string;
  let child: ServerChild;
  let port: number;
  const followers: LongRunning[] = [];
  const cli = (...args: string[]) => child.cli(args);

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-delivery-'));
    child = await startServerChild(join(tmp, 'data'));
    port = await closedPort();
    await writeFile(join(tmp, 'shop.yaml'), shopYaml(port, FAST));
  });

  afterAll(async () => {
    for (const f of followers) f.stop();
    if ((child as ServerChild | undefined) !== undefined) {
      // Routers and versions outlive the server by design: the app is removed before it stops.
      await cli('rollout', 'abort', 'test/shop');
      await cli('apps', 'delete', 'test/shop');
      await stopServer(child.server);
    }
    await rm(tmp, { recursive: true, force: true });
  });

  it('applies a YAML manifest, then JSON from standard input, and lists the app', async () => {
    const created = await cli('apply', '-f', join(tmp, 'shop.yaml'));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`✓ created test/shop: public port ${port}, 2 instances`);
    expect(created.stdout).toContain('codedance deploy test/shop --version <label>');

    const json = JSON.stringify({
      apiVersion: 'deploy.codedance.io/v1alpha1',
      kind: 'App',
      metadata: { name: 'shop', namespace: 'test' },
      spec: {
        port,
        instances: 2,
        run: { command: process.execPath, args: [SHOP] },
        readiness: { type: 'http', path: '/healthz' },
        strategy: {
          type: 'CANARY',
          canary: {
            steps: [
              { weight: 20, pause: '5s' },
              { weight: 50, pause: '2s' },
            ],
          },
        },
        analysis: { interval: '1s', minRequests: 20, failureLimit: 0 },
        keepPrevious: '1m',
      },
    });
    const updated = await child.cli(['apply', '-f', '-'], { input: json });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/^✓ updated test\/shop: public port \d+/);

    const listed = await cli('apps');
    expect(listed.code).toBe(0);
    const [header, row] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^APP +PORT +STABLE +PREVIOUS +LAST RELEASE$/);
    expect(row).toMatch(new RegExp(`^test/shop +${port} +- +- +-$`));
    const one = JSON.parse(
      (await cli('apps', 'get', 'shop', '-n', 'test', '--json')).stdout,
    ) as App;
    expect(one).toMatchObject({ name: 'shop', namespace: 'test', port, stable: null });
  });

  it('releases the first version with --wait and exits 0 once it is COMPLETED', async () => {
    const { code, stdout, stderr } = await cli('deploy', 'test/shop', '--version', 'v1', '--wait');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^✓ release dep-\d{8}-[0-9a-f]{8} started: test\/shop v1 \(first release\)/,
    );
    expect(stdout).toMatch(/✓ Start v1: 2\/2 instances of v1 ready/);
    expect(stdout).toMatch(/✓ test\/shop v1 COMPLETED in /);
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.json()).toMatchObject({ version: 'v1' });
  });

  it('rolls a faulty version back under load and exits 4 with the reason', async () => {
    const load = startLoad(port, 100);
    let result: Awaited<ReturnType<typeof cli>>;
    try {
      result = await child.cli(
        [
          'deploy',
          'shop',
          '-n',
          'test',
          '--version',
          'v2',
          '--env',
          'DEMO_ERROR_RATE=0.3',
          '--wait',
          '--wait-timeout',
          '25',
          '--',
          'node',
          'shop.mjs',
        ],
        { cwd: DEMO },
      );
    } finally {
      await load.stop();
    }
    const { code, stdout } = result;
    expect(code, `${stdout}\n${result.stderr}`).toBe(4);
    expect(stdout).toMatch(/▸ Traffic 20%/);
    expect(stdout).toMatch(/traffic 20% to v2, 80% to v1/);
    expect(stdout).toMatch(/✗ analysis fail at 20%: .*(error|success) rate/);
    expect(stdout).toMatch(/✗ test\/shop v2 ROLLED_BACK after [^:]+: .*(error|success) rate/);
    expect(stdout).toContain('see: codedance rollout get dep-');
    expect(load.counts.byVersion.v2).toBeGreaterThan(0);
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.json()).toMatchObject({ version: 'v1' });

    const d = JSON.parse((await cli('rollout', 'get', 'test/shop', '--json')).stdout) as Deployment;
    expect(d).toMatchObject({
      version: 'v2',
      status: 'ROLLED_BACK',
      executor: userInfo().username,
      run: { command: 'node', args: ['shop.mjs'], cwd: DEMO, env: { DEMO_ERROR_RATE: '0.3' } },
    });
  });

  it('shows a release as a summary, lists and exports releases', async () => {
    const shown = await cli('rollout', 'get', 'shop', '--namespace', 'test');
    expect(shown.code).toBe(0);
    const text = shown.stdout;
    expect(text).toMatch(/^Release dep-\d{8}-[0-9a-f]{8}\n/);
    expect(text).toMatch(/^ {2}version +v2 over v1$/m);
    expect(text).toMatch(/^ {2}status +ROLLED_BACK/m);
    expect(text).toMatch(/^ {2}reason +.*rate/m);
    expect(text).toMatch(/^ {2}✓ Start v2 .* 2\/2 instances of v2 ready$/m);
    expect(text).toMatch(/^ {2}✗ Traffic 20% +hold 5s, analysed +\d\d:\d\d:\d\d → /m);
    expect(text).toMatch(/^ {2}· Traffic 50%/m);
    expect(text).toMatch(/^ {2}stable +v1 +2\/2 ready +100% traffic/m);
    expect(text).toMatch(/^Analysis/m);
    expect(text).toMatch(/✗ analysis fail at 20%/);
    expect(text).toMatch(/ {14}✗ (error|success) rate .* \(\d+ requests\)/);

    const listed = await cli('rollout', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +APP +VERSION +STRATEGY +STATUS +STARTED +DURATION +BY +REASON$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/)[4])).toEqual(['ROLLED_BACK', 'COMPLETED']);
    const completed = JSON.parse(
      (await cli('rollout', 'list', '--status', 'completed', '--since', '1h', '--json')).stdout,
    ) as DeploymentPage;
    expect(completed.items.map((i) => i.version)).toEqual(['v1']);
    expect(completed.total).toBe(1);
    const elsewhere = await cli('rollout', 'list', '--app', 'prod/shop');
    expect(elsewhere.stdout).toBe('no releases match\n');

    const csv = join(tmp, 'releases.csv');
    const exported = await cli('rollout', 'export', '--format', 'csv', '-o', csv, '--app', 'shop');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^✓ wrote .*releases\.csv \(\d+ B\)/);
    const rows = (await readFile(csv, 'utf8')).trim().split('\r\n');
    expect(rows[0]).toMatch(/^id,app,version,previousVersion,environment,deploymentType,status/);
    expect(rows).toHaveLength(3);
    const json = await cli('rollout', 'export');
    expect((JSON.parse(json.stdout) as { total: number }).total).toBe(2);
  });

  it('waits on a release paused for promotion, and abort ends it as ROLLED_BACK', async () => {
    await writeFile(join(tmp, 'manual.yaml'), shopYaml(port, '{ preset: manual }'));
    const updated = await cli('apply', '-f', join(tmp, 'manual.yaml'));
    expect(updated.stdout).toMatch(/^✓ updated test\/shop/);
    const started = await cli(
      'deploy',
      'test/shop',
      '--version',
      'v3',
      '--executor',
      'ci-bot',
      '--json',
    );
    expect(started.code, started.stderr).toBe(0);
    const { id, executor } = JSON.parse(started.stdout) as Deployment;
    expect(executor).toBe('ci-bot');

    const watcher = startCli(['--url', child.url, 'rollout', 'watch', 'test/shop']);
    followers.push(watcher);
    await watcher.waitFor(new RegExp(`^Following ${id}: test/shop v3 over v1`, 'm'));
    await watcher.waitFor(
      /PAUSED: waiting for promotion at 10%; go on with: codedance rollout resume/,
    );

    const aborted = await cli('rollout', 'abort', id, '--executor', 'ops-li');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toBe(
      `✓ aborted ${id} (test/shop v3 over v1): now ROLLED_BACK: aborted by ops-li\n`,
    );
    expect(await watcher.exited()).toBe(4);
    expect(watcher.stdout()).toMatch(/✗ test\/shop v3 ROLLED_BACK after [^:]+: aborted by ops-li/);

    const again = await cli('rollout', 'abort', 'test/shop');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/has already ended \(CD_INVALID_STATE\)/);
  });

  it('refuses bad input with a clear message and exit code', async () => {
    const strategy = await cli('deploy', 'test/shop', '--version', 'v4', '--strategy', 'sideways');
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toMatch(
      /'--strategy <type>' argument 'sideways' is invalid\. expected one of CANARY, BLUE_GREEN, ROLLING, ALL_AT_ONCE/,
    );
    const version = await cli('deploy', 'test/shop');
    expect(version.code).toBe(2);
    expect(version.stderr).toMatch(/required option '--version <label>' not specified/);
    const env = await cli('deploy', 'test/shop', '--version', 'v4', '--env', 'NOPE');
    expect(env).toMatchObject({ code: 2, stderr: "error: --env expects NAME=value, got 'NOPE'\n" });
    const label = await cli('deploy', 'test/shop', '--version', 'v 4');
    expect(label.code).toBe(1);
    expect(label.stderr).toMatch(/\/version: must match/);

    const missing = await cli('apply', '-f', join(tmp, 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read .*nope\.yaml: ENOENT/);
    await writeFile(join(tmp, 'broken.yaml'), 'kind: App\n  spec: [\n');
    const broken = await cli('apply', '-f', join(tmp, 'broken.yaml'));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^error: The manifest is not valid YAML: [\s\S]*\(CD_INVALID_YAML\)\n$/,
    );
    await writeFile(join(tmp, 'wrong.yaml'), shopYaml(port, FAST).replace('kind: App', 'kind: Ap'));
    const wrong = await cli('apply', '-f', join(tmp, 'wrong.yaml'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/\(CD_VALIDATION_FAILED\)\n {2}✗ \/kind: /);

    const unknown = await cli('rollout', 'get', 'nothing-here');
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^error: default\/nothing-here has no release yet.*\(CD_NOT_FOUND\)/,
      ),
    });
    const app = await cli('deploy', 'ghost', '--version', 'v1');
    expect(app.code).toBe(1);
    expect(app.stderr).toMatch(/CD_NOT_FOUND/);
  });

  it('deletes the app, which stops its router', async () => {
    const deleted = await cli('apps', 'delete', 'test/shop');
    expect(deleted).toMatchObject({
      code: 0,
      stdout: '✓ deleted test/shop: its router and versions are stopped\n',
    });
    expect((await cli('apps')).stdout).toMatch(/^no apps yet/);
    const reached = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    expect(reached).toBe(false);
  });
});
