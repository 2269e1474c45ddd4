// deploy/kubernetes/ on a real API server: `kubectl apply -f` installs everything in one go,
// and `kubectl auth can-i` (impersonating each ServiceAccount) proves that the RBAC grants
// what the components use and nothing more.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CONTROLLER_LEADER_PERMISSIONS,
  CONTROLLER_PERMISSIONS,
  CONTROLLER_SERVICE_ACCOUNT,
  DASHBOARD_PERMISSIONS,
  DASHBOARD_SERVICE_ACCOUNT,
  INSTALL_NAMESPACE,
  ROUTER_SERVICE_ACCOUNT,
  type Permission,
} from '@codedance/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentProblem, startCluster, type TestCluster } from './support/index.js';

const execFileAsync = promisify(execFile);
const problem = environmentProblem();
if (problem) console.warn(`Kubernetes install tests skipped: ${problem}`);

const deployDir = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const fixtureCrds = fileURLToPath(new URL('./fixtures/crds/', import.meta.url));
const APP_NAMESPACE = 'shop';

const account = (name: string) => `system:serviceaccount:${INSTALL_NAMESPACE}:${name}`;

/** `deployments/scale` in `apps` as kubectl names it: `deployments.apps/scale`. */
function kubectlResource({ group, resource }: { group: string; resource: string }): string {
  const [plural, subresource] = resource.split('/');
  return `${plural}${group === '' ? '' : `.${group}`}${subresource === undefined ? '' : `/${subresource}`}`;
}

/** `check` over every item, a few at a time (each is a kubectl process); the ones that fail. */
async function failing<T>(items: readonly T[], check: (item: T) => Promise<boolean>): Promise<T[]> {
  const failed: T[] = [];
  for (let i = 0; i < items.length; i += 6) {
    const batch = items.slice(i, i + 6);
    const results = await Promise.all(batch.map(check));
    batch.forEach((item, j) => {
      if (!results[j]) failed.push(item);
    });
  }
  return failed;
}

/** Every (verb, resource) pair of a list of permissions, as `verb resource` strings. */
function grants(permissions: readonly Permission[]): string[] {
  return permissions.flatMap((p) => p.verbs.map((verb) => `${verb} ${kubectlResource(p)}`)).sort();
}

describe.skipIf(problem !== null)('deploy/kubernetes on a real API server', () => {
  let cluster: TestCluster;

  /** `kubectl auth can-i` as a ServiceAccount: true for yes, false for no. */
  async function canI(who: string, args: readonly string[]): Promise<boolean> {
    const [verb, resource] = args;
    const [plural, subresource] = (resource ?? '').split('/');
    const command = [
      'auth',
      'can-i',
      verb!,
      plural!,
      ...(subresource === undefined ? [] : [`--subresource=${subresource}`]),
      `--as=${account(who)}`,
      ...args.slice(2),
    ];
    try {
      await execFileAsync(cluster.binaries.kubectl, command, {
        env: { ...process.env, ...cluster.env },
      });
      return true;
    } catch (error) {
      const { code, stdout } = error as { code?: number; stdout?: string };
      if (code === 1 && stdout?.trim() === 'no') return false;
      throw error;
    }
  }

  /** What `kubectl auth can-i --list` says a ServiceAccount may do in a namespace. */
  async function rulesOf(who: string, namespace: string): Promise<string[]> {
    const table = await cluster.kubectl([
      'auth',
      'can-i',
      '--list',
      `--as=${account(who)}`,
      '-n',
      namespace,
    ]);
    const rows = table.trim().split('\n').slice(1);
    return (
      rows
        .map((row) => row.split(/\s{2,}/))
        .filter(([resource]) => resource !== undefined && resource !== '')
        // What every authenticated user may do: ask what it may do.
        .filter(([resource]) => !/^selfsubject(access|rules)reviews\./.test(resource!))
        .flatMap(([resource, , , verbs]) =>
          (verbs ?? '')
            .replace(/[[\]]/g, '')
            .split(' ')
            .map((verb) => `${verb} ${resource}`),
        )
        .sort()
    );
  }

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.createNamespace(APP_NAMESPACE);
    // A cluster with Gateway API and Istio: kubectl can-i only resolves resources it serves.
    await cluster.kubectl(['apply', '-f', fixtureCrds]);
  }, 120_000);

  afterAll(async () => {
    await (cluster as TestCluster | undefined)?.stop();
  }, 60_000);

  it('installs with one kubectl apply -f deploy/kubernetes/, and a second apply changes nothing', async () => {
    const first = await cluster.kubectl(['apply', '-f', deployDir]);
    for (const object of [
      'namespace/codedance-system created',
      'customresourcedefinition.apiextensions.k8s.io/canarydeployments.deploy.codedance.io created',
      'serviceaccount/codedance-controller created',
      'clusterrole.rbac.authorization.k8s.io/codedance-controller created',
      'role.rbac.authorization.k8s.io/codedance-controller-leader-election created',
      'deployment.apps/codedance-controller created',
      'serviceaccount/codedance-dashboard created',
      'deployment.apps/codedance-dashboard created',
      'service/codedance-dashboard created',
      'deployment.apps/codedance-router created',
      'service/codedance-router created',
      'networkpolicy.networking.k8s.io/codedance-router created',
    ]) {
      expect(first).toContain(object);
    }
    const second = await cluster.kubectl(['apply', '-f', deployDir]);
    expect(
      second
        .trim()
        .split('\n')
        .every((line) => line.endsWith(' unchanged')),
    ).toBe(true);

    const services = await cluster.kubectl(['get', 'svc', '-n', INSTALL_NAMESPACE, '-o', 'name']);
    expect(services.trim().split('\n').sort()).toEqual([
      'service/codedance-controller',
      'service/codedance-dashboard',
      'service/codedance-router',
    ]);
  });

  it('accepts the examples: the Ingress with TLS and basic auth, and the canary release', async () => {
    const ingress = await cluster.kubectl(['apply', '-f', `${deployDir}examples/ingress.yaml`]);
    expect(ingress).toContain('ingress.networking.k8s.io/codedance-dashboard created');
    const stored = JSON.parse(
      await cluster.kubectl([
        'get',
        'ingress',
        'codedance-dashboard',
        '-n',
        INSTALL_NAMESPACE,
        '-o',
        'json',
      ]),
    ) as {
      metadata: { annotations: Record<string, string> };
      spec: { tls: { secretName: string }[] };
    };
    expect(stored.metadata.annotations['nginx.ingress.kubernetes.io/auth-type']).toBe('basic');
    expect(stored.spec.tls[0]?.secretName).toBe('codedance-tls');
    const release = await cluster.kubectl([
      'apply',
      '-n',
      APP_NAMESPACE,
      '-f',
      `${deployDir}examples/canary.yaml`,
    ]);
    expect(release).toContain('canarydeployment.deploy.codedance.io/codedance-app created');
  });

  it("answers yes to seed 000's check: the dashboard may get canarydeployments", async () => {
    const { stdout } = await execFileAsync(
      cluster.binaries.kubectl,
      ['auth', 'can-i', 'get', 'canarydeployments', `--as=${account(DASHBOARD_SERVICE_ACCOUNT)}`],
      { env: { ...process.env, ...cluster.env } },
    );
    expect(stdout.trim()).toBe('yes');
  });

  it('lets the controller do all it uses, in an app namespace, and exactly that', async () => {
    const needed = grants(CONTROLLER_PERMISSIONS);
    const refused = await failing(needed, (grant) =>
      canI(CONTROLLER_SERVICE_ACCOUNT, [...grant.split(' '), '-n', APP_NAMESPACE]),
    );
    expect(refused).toEqual([]);
    expect(await rulesOf(CONTROLLER_SERVICE_ACCOUNT, APP_NAMESPACE)).toEqual(needed);
  }, 120_000);

  it('lets the controller hold its Lease in codedance-system, and nowhere else', async () => {
    expect(await rulesOf(CONTROLLER_SERVICE_ACCOUNT, INSTALL_NAMESPACE)).toEqual(
      grants([...CONTROLLER_PERMISSIONS, ...CONTROLLER_LEADER_PERMISSIONS]),
    );
    for (const namespace of [APP_NAMESPACE, 'kube-system', 'kube-node-lease']) {
      expect(
        await canI(CONTROLLER_SERVICE_ACCOUNT, [
          'update',
          'leases.coordination.k8s.io',
          '-n',
          namespace,
        ]),
      ).toBe(false);
    }
  });

  it('lets the dashboard do all it uses and exactly that', async () => {
    const needed = grants(DASHBOARD_PERMISSIONS);
    const refused = await failing(needed, (grant) =>
      canI(DASHBOARD_SERVICE_ACCOUNT, [...grant.split(' '), '-n', APP_NAMESPACE]),
    );
    expect(refused).toEqual([]);
    expect(await rulesOf(DASHBOARD_SERVICE_ACCOUNT, APP_NAMESPACE)).toEqual(needed);
    expect(await rulesOf(DASHBOARD_SERVICE_ACCOUNT, INSTALL_NAMESPACE)).toEqual(needed);
  }, 120_000);

  const refused: [string, string[]][] = [
    ['read Secrets anywhere', ['list', 'secrets', '--all-namespaces']],
    ['read a Secret in an app namespace', ['get', 'secrets', '-n', APP_NAMESPACE]],
    ['read a Secret in its own namespace', ['get', 'secrets', '-n', INSTALL_NAMESPACE]],
    ['read ConfigMaps', ['list', 'configmaps', '-n', APP_NAMESPACE]],
    ['delete a namespace', ['delete', 'namespaces']],
    ['exec into a pod', ['create', 'pods/exec', '-n', APP_NAMESPACE]],
    ['delete pods', ['delete', 'pods', '-n', APP_NAMESPACE]],
    ['grant itself more', ['create', 'clusterrolebindings.rbac.authorization.k8s.io']],
    ['escalate a role', ['escalate', 'clusterroles.rbac.authorization.k8s.io']],
    ['impersonate users', ['impersonate', 'users']],
    ['mint ServiceAccount tokens', ['create', 'serviceaccounts/token', '-n', APP_NAMESPACE]],
    ['change nodes', ['update', 'nodes']],
    ['create a release', ['create', 'canarydeployments.deploy.codedance.io', '-n', APP_NAMESPACE]],
    ['delete a release', ['delete', 'canarydeployments.deploy.codedance.io', '-n', APP_NAMESPACE]],
  ];

  it.each(refused)('lets neither the controller nor the dashboard %s', async (_what, args) => {
    expect(await canI(CONTROLLER_SERVICE_ACCOUNT, args)).toBe(false);
    expect(await canI(DASHBOARD_SERVICE_ACCOUNT, args)).toBe(false);
  });

  it('keeps the dashboard from writing what the controller owns, and the router from the API', async () => {
    for (const args of [
      ['update', 'canarydeployments.deploy.codedance.io/status', '-n', APP_NAMESPACE],
      ['patch', 'deployments.apps', '-n', APP_NAMESPACE],
      ['update', 'deployments.apps/scale', '-n', APP_NAMESPACE],
      ['create', 'services', '-n', APP_NAMESPACE],
      ['patch', 'ingresses.networking.k8s.io', '-n', APP_NAMESPACE],
    ]) {
      expect(await canI(DASHBOARD_SERVICE_ACCOUNT, args), args.join(' ')).toBe(false);
    }
    expect(await rulesOf(ROUTER_SERVICE_ACCOUNT, INSTALL_NAMESPACE)).toEqual([]);
  });
});
