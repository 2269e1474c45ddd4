// Start a test cluster by hand and point kubectl at it:
//
//   npm run k8s -- start            etcd + kube-apiserver + kube-controller-manager, left running
//   npm run k8s -- kubelet [ID]     a test kubelet in the foreground (Ctrl-C stops it and its pods)
//   npm run k8s -- status           the clusters started this way
//   npm run k8s -- stop [ID]        stops one, or all of them
//
// (`npm run k8s` is `node --import tsx e2e/kubernetes/cli.ts`.)
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { stopRun } from './support/cleanup.js';
import { binDir, KUBERNETES_VERSION } from './support/binaries.js';
import { reapStaleRuns, startCluster, TestKubelet, type ImageRegistry } from './support/index.js';
import { isRunning, listRuns, type RunRecord } from './support/runs.js';

const say = (line: string) => {
  process.stdout.write(`${line}\n`);
};

/** Clusters started by `start`: they have no owner process. */
function handStartedClusters(): RunRecord[] {
  return listRuns().filter((r) => r.kind === 'cluster' && r.owner === null);
}

function pick(id: string | undefined): RunRecord {
  const clusters = handStartedClusters();
  const found = id ? clusters.filter((c) => c.id === id) : clusters;
  if (found.length === 1) return found[0]!;
  throw new Error(
    found.length === 0
      ? `no cluster${id ? ` ${id}` : ''} is running: start one with \`npm run k8s -- start\``
      : `${found.length} clusters are running (${found.map((c) => c.id).join(', ')}): name one`,
  );
}

function exports_(run: RunRecord): string {
  const dir = run.dir ?? '';
  return [
    `export KUBECONFIG=${join(dir, 'kubeconfig')}`,
    `export KUBECACHEDIR=${join(dir, 'kubectl-cache')}`,
    `export PATH=${binDir()}:$PATH   # kubectl ${KUBERNETES_VERSION}`,
  ].join('\n');
}

async function start(): Promise<void> {
  const cluster = await startCluster({ detached: true, log: say });
  const run = handStartedClusters().find((r) => r.id === cluster.id);
  say(`\ncluster ${cluster.id} is running at ${cluster.server}; files in ${cluster.dir}`);
  say(`admin token: ${cluster.adminToken}`);
  say(`\n${run ? exports_(run) : ''}\nkubectl get nodes,pods -A`);
  say(`\nPods stay Pending until a kubelet runs: npm run k8s -- kubelet ${cluster.id}`);
}

async function kubelet(id: string | undefined): Promise<void> {
  const run = pick(id);
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(join(run.dir ?? '', 'kubeconfig'));
  const echo = fileURLToPath(new URL('./fixtures/echo-server.mjs', import.meta.url));
  const images: ImageRegistry = { echo: { command: [process.execPath, echo] } };
  const running = await TestKubelet.start({
    kubeconfig,
    images,
    logDir: join(run.dir ?? '', 'pods'),
    log: say,
  });
  say(`test kubelet on cluster ${run.id}: image codedance.test/echo runs ${echo}; Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping the pods');
  await running.stop();
}

async function stop(id: string | undefined): Promise<void> {
  const runs = id ? [pick(id)] : handStartedClusters();
  for (const run of runs) {
    say(`stopping cluster ${run.id}`);
    // kube-apiserver can take a minute to exit while clients are connected: 10 s, then SIGKILL.
    await stopRun(run, 10_000);
  }
  const reaped = await reapStaleRuns();
  if (runs.length === 0 && reaped.length === 0) say('no cluster was running');
}

function status(): void {
  const clusters = handStartedClusters();
  if (clusters.length === 0) say('no cluster is running');
  for (const run of clusters) {
    const alive = run.processes.map((p) => `${p.name} ${isRunning(p) ? p.pid : 'exited'}`);
    say(`cluster ${run.id} (${run.dir ?? ''}): ${alive.join(', ')}\n${exports_(run)}\n`);
  }
}

const [command, id] = process.argv.slice(2);
const commands: Record<string, () => Promise<void> | void> = {
  start,
  stop: () => stop(id),
  status,
  kubelet: () => kubelet(id),
};
const action = command ? commands[command] : undefined;
if (!action) {
  say('usage: npm run k8s -- start | stop [ID] | status | kubelet [ID]');
  process.exitCode = 2;
} else {
  try {
    await action();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
