// A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager on
// free loopback ports, with their own certificates, in a temporary folder.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { freePort, waitFor } from '../../support/wait.js';
import { findBinaries, type KubernetesBinaries } from './binaries.js';
import { reapStaleRuns, stopRun } from './cleanup.js';
import { makeClusterPki, type ClusterPki } from './pki.js';
import { logTail, startProcess, type StartedProcess } from './processes.js';
import { createRun, readRun, writeRun, type RunRecord } from './runs.js';

const execFileAsync = promisify(execFile);

/** The Service range the API server allocates ClusterIPs from. Nothing there exists: never send to it. */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';

export interface StartClusterOptions {
  /** Keep the processes running after this process exits (`cli.ts start`). */
  detached?: boolean;
  /** Called with a line per step, for progress on a terminal. */
  log?: (line: string) => void;
  /** How long each program may take to stop after SIGTERM before it is killed. */
  stopGraceMs?: number;
}

export interface TestCluster {
  /** The run id: names the cluster's record, and its pods' network namespaces. */
  id: string;
  dir: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  caCertPath: string;
  kubeconfigPath: string;
  /** Loaded from `kubeconfigPath`: admin access for @kubernetes/client-node. */
  kubeconfig: KubeConfig;
  /** Bearer token of `admin`, in the group `system:masters`. */
  adminToken: string;
  /** Bearer token of `developer`, authenticated but granted nothing: for refusal tests. */
  developerToken: string;
  /** `KUBECONFIG` and `KUBECACHEDIR` for kubectl. */
  env: Record<string, string>;
  binaries: KubernetesBinaries;
  /** Runs the matching kubectl against this cluster. */
  kubectl: (args: readonly string[]) => Promise<string>;
  /**
   * Creates a Namespace and waits until pods can be made in it: until then the ServiceAccount
   * admission refuses them, for want of the `default` ServiceAccount and its token.
   */
  createNamespace: (name: string) => Promise<void>;
  stop: () => Promise<void>;
}

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
}

async function distinctFreePorts(): Promise<Ports> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [etcdClient, etcdPeer, apiserver, controllerManager] = [...ports] as [
    number,
    number,
    number,
    number,
  ];
  return { etcdClient, etcdPeer, apiserver, controllerManager };
}

/** GET over HTTPS: the status code and body, or null when nothing answers yet. */
function httpsGet(
  url: string,
  options: { ca?: Buffer; token?: string },
): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'GET',
        timeout: 5_000,
        // The controller manager serves /healthz with a certificate it made itself, on loopback.
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
        headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(null);
    });
    req.end();
  });
}

function kubeconfigFile(server: string, caCert: string, user: Record<string, string>): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'codedance-test', cluster: { server, 'certificate-authority': caCert } }],
      users: [{ name: 'user', user }],
      contexts: [{ name: 'codedance-test', context: { cluster: 'codedance-test', user: 'user' } }],
      'current-context': 'codedance-test',
    },
    null,
    2,
  );
}

function apiserverArgs(dir: string, ports: Ports, pki: ClusterPki, tokenFile: string): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    `--secure-port=${ports.apiserver}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--insecure-port=0',
    // A loopback advertise address is refused by the reconciler that writes the kubernetes Service.
    '--endpoint-reconciler-type=none',
    '--authorization-mode=RBAC',
    `--client-ca-file=${pki.caCert}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--token-auth-file=${tokenFile}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
    `--proxy-client-key-file=${pki.frontProxyClientKey}`,
    '--profiling=false',
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
  ];
}

function controllerManagerArgs(dir: string, ports: Ports, pki: ClusterPki): string[] {
  return [
    `--kubeconfig=${join(dir, 'controller-manager.kubeconfig')}`,
    '--use-service-account-credentials',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    '--port=0',
    '--leader-elect=false',
    '--profiling=false',
    `--cert-dir=${join(dir, 'controller-manager-certs')}`,
    // Without it the controller manager writes under /usr/libexec.
    `--flex-volume-plugin-dir=${join(dir, 'flexvolume')}`,
  ];
}

/**
 * Starts a cluster and waits until kube-apiserver's `/readyz` and kube-controller-manager's
 * `/healthz` answer ok (about 10 s). Clusters left behind by a killed test are removed first.
 * Throws with the log's last lines when a program does not come up.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const binaries = findBinaries();
  if ('missing' in binaries) throw new Error(binaries.missing);
  const log = options.log ?? (() => undefined);
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const reaped = await reapStaleRuns();
  if (reaped.length > 0) log(`removed what killed runs ${reaped.join(', ')} left behind`);

  const dir = await mkdtemp(join(tmpdir(), 'codedance-k8s-'));
  const run = createRun('cluster', { owned: options.detached !== true, dir });
  const start = (name: string, command: string, args: string[]): StartedProcess => {
    const process_ = startProcess(name, command, args, {
      logPath: join(dir, `${name}.log`),
      dieWithParent: options.detached !== true,
      cwd: dir,
    });
    run.processes.push({ name, pid: process_.pid, startTime: process_.startTime });
    writeRun(run);
    return process_;
  };
  /** Polls `check` until it passes; throws with the log's tail if the program exits first. */
  const waitReady = async (
    process_: StartedProcess,
    check: () => Promise<boolean>,
    timeoutMs: number,
  ) => {
    const seen: { exit: { code: number | null; signal: NodeJS.Signals | null } | null } = {
      exit: null,
    };
    void process_.exited.then((result) => (seen.exit = result));
    await waitFor(
      async () => seen.exit !== null || (await check()),
      timeoutMs,
      `${process_.name} to be ready`,
      200,
    );
    if (seen.exit !== null) {
      const { code, signal } = seen.exit;
      throw new Error(
        `${process_.name} exited (${signal ?? `code ${code}`}) while starting:\n${logTail(join(dir, `${process_.name}.log`))}`,
      );
    }
  };

  try {
    const [pki, ports] = await Promise.all([makeClusterPki(dir), distinctFreePorts()]);
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const adminToken = randomBytes(24).toString('hex');
    const developerToken = randomBytes(24).toString('hex');
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(
      tokenFile,
      `${adminToken},admin,admin,"system:masters"\n${developerToken},developer,developer\n`,
      { mode: 0o600 },
    );
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigFile(server, pki.caCert, { token: adminToken }), {
      mode: 0o600,
    });
    await writeFile(
      join(dir, 'controller-manager.kubeconfig'),
      kubeconfigFile(server, pki.caCert, {
        'client-certificate': pki.controllerManagerCert,
        'client-key': pki.controllerManagerKey,
      }),
      { mode: 0o600 },
    );
    await mkdir(join(dir, 'flexvolume'));
    await mkdir(join(dir, 'kubectl-cache'));
    const t0 = Date.now();
    const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

    log(`etcd on 127.0.0.1:${ports.etcdClient}`);
    const etcd = start('etcd', binaries.etcd, [
      '--name=codedance-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=codedance-test=http://127.0.0.1:${ports.etcdPeer}`,
      '--log-level=warn',
    ]);
    await waitReady(
      etcd,
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`).catch(() => null);
        return res?.ok === true;
      },
      30_000,
    );

    log(`kube-apiserver on ${server} (etcd ready after ${elapsed()})`);
    const ca = readFileSync(pki.caCert);
    const apiserver = start(
      'kube-apiserver',
      binaries.kubeApiserver,
      apiserverArgs(dir, ports, pki, tokenFile),
    );
    await waitReady(
      apiserver,
      async () => (await httpsGet(`${server}/readyz`, { ca, token: adminToken }))?.body === 'ok',
      90_000,
    );

    log(
      `kube-controller-manager on 127.0.0.1:${ports.controllerManager} (apiserver ready after ${elapsed()})`,
    );
    const controllerManager = start(
      'kube-controller-manager',
      binaries.kubeControllerManager,
      controllerManagerArgs(dir, ports, pki),
    );
    await waitReady(
      controllerManager,
      async () =>
        (await httpsGet(`https://127.0.0.1:${ports.controllerManager}/healthz`, {}))?.body === 'ok',
      60_000,
    );
    log(`cluster ready after ${elapsed()}`);

    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(kubeconfigPath);
    const core = kubeconfig.makeApiClient(CoreV1Api);
    const podsAllowed = (namespace: string) =>
      waitFor(
        async () => {
          const account = await core
            .readNamespacedServiceAccount({ name: 'default', namespace })
            .catch(() => null);
          return (account?.secrets ?? []).length > 0;
        },
        30_000,
        `the default ServiceAccount of ${namespace}`,
        100,
      );
    await podsAllowed('default');
    log(`pods can be created after ${elapsed()}`);
    const env = { KUBECONFIG: kubeconfigPath, KUBECACHEDIR: join(dir, 'kubectl-cache') };
    let stopping: Promise<void> | undefined;
    return {
      id: run.id,
      dir,
      server,
      caCertPath: pki.caCert,
      kubeconfigPath,
      kubeconfig,
      adminToken,
      developerToken,
      env,
      binaries,
      async createNamespace(name) {
        await core.createNamespace({ body: { metadata: { name } } });
        await podsAllowed(name);
      },
      async kubectl(args) {
        const { stdout } = await execFileAsync(binaries.kubectl, args, {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...env },
          timeout: 60_000,
        });
        return stdout;
      },
      stop() {
        stopping ??= stopRun(readRun(run.id) ?? run, stopGraceMs);
        return stopping;
      },
    };
  } catch (error) {
    await stopRun(run, 0);
    throw error;
  }
}

/** The record of a cluster started with `detached`, for the CLI's `stop` and `status`. */
export function clusterRecord(id: string): RunRecord | null {
  const run = readRun(id);
  return run?.kind === 'cluster' ? run : null;
}
