// Pod networking for the test kubelet: each pod gets its own network namespace with a real address
// in 198.18.0.0/15 (reserved for benchmarks, used by nobody else here), reached from the host
// through a veth pair. Pods have no default route: from inside, only the host side is reachable.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomInt } from 'node:crypto';
import { readRun, stateDir, writeRun, type RunRecord } from './runs.js';

const execFileAsync = promisify(execFile);

/** The reserved benchmark range all pod subnets are carved from. */
export const POD_RANGE = '198.18.0.0/15';

export interface Subnet {
  /** The first three octets, e.g. `198.19.7`. */
  prefix: string;
  cidr: string;
  /** The host side of every pod's veth pair: the node's address and the pods' only neighbour. */
  gateway: string;
}

export interface Sandbox {
  /** Network namespace name, `cdk-<run>-<n>`. */
  netns: string;
  /** Host end of the veth pair, `cdk<run>h<n>`. */
  hostVeth: string;
  ip: string;
  gateway: string;
}

/** Runs `ip` (no shell) and returns its standard output. */
export async function ip(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('ip', args, { timeout: 15_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr ?? String(error)}`, { cause: error });
  }
}

async function ipJson<T>(args: readonly string[]): Promise<T[]> {
  const out = (await ip(['-j', ...args])).trim();
  return out === '' ? [] : (JSON.parse(out) as T[]);
}

function claimPath(subnet: Subnet): string {
  return join(stateDir(), 'subnets', `${subnet.prefix}.0`);
}

/**
 * Claims a /24 of the benchmark range that no other run holds and that no route on this machine
 * touches, and records it in the run so the next start frees it if this process is killed.
 */
export async function claimSubnet(run: RunRecord): Promise<Subnet> {
  for (let attempt = 0; attempt < 64; attempt += 1) {
    const index = randomInt(0, 512);
    const prefix = `198.${18 + (index >> 8)}.${index & 255}`;
    const subnet: Subnet = { prefix, cidr: `${prefix}.0/24`, gateway: `${prefix}.1` };
    try {
      writeFileSync(claimPath(subnet), run.id, { flag: 'wx' });
    } catch {
      continue;
    }
    const routes = await ipJson(['route', 'show', 'table', 'all', 'root', subnet.cidr]);
    if (routes.length > 0) {
      rmSync(claimPath(subnet), { force: true });
      continue;
    }
    run.subnets.push(subnet.cidr);
    writeRun(run);
    // Pods' /32 routes are more specific; an address of the subnet with no pod (one that was
    // deleted, one never given) is refused here instead of going out by the default route.
    await ip(['route', 'add', 'unreachable', subnet.cidr]);
    return subnet;
  }
  throw new Error(`no free /24 left in ${POD_RANGE}`);
}

/** Frees subnet claims held by `runId` (or by runs that no longer exist when it is omitted). */
export function releaseSubnets(runId: string): void {
  const dir = join(stateDir(), 'subnets');
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let owner = '';
    try {
      owner = readFileSync(path, 'utf8').trim();
    } catch {
      continue;
    }
    if (owner === runId || readRun(owner) === null) rmSync(path, { force: true });
  }
}

/**
 * Creates a pod's network namespace and veth pair, gives the pod `address`, routes it from the
 * host, and checks with `ip route get` that traffic to it leaves through that veth and nowhere
 * else before anything is sent.
 */
export async function createSandbox(
  runId: string,
  index: number,
  subnet: Subnet,
  address: string,
): Promise<Sandbox> {
  const sandbox: Sandbox = {
    netns: `cdk-${runId}-${index}`,
    hostVeth: `cdk${runId}h${index}`,
    ip: address,
    gateway: subnet.gateway,
  };
  const { netns, hostVeth, gateway } = sandbox;
  try {
    await ip(['netns', 'add', netns]);
    await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await ip(['addr', 'add', `${gateway}/32`, 'dev', hostVeth]);
    await ip(['link', 'set', hostVeth, 'up']);
    const inside = (args: string[]) => ip(['-n', netns, ...args]);
    await inside(['link', 'set', 'lo', 'up']);
    await inside(['addr', 'add', `${address}/32`, 'dev', 'eth0']);
    await inside(['link', 'set', 'eth0', 'up']);
    await inside(['route', 'add', `${gateway}/32`, 'dev', 'eth0']);
    // Pods of the node reach one another through the host, as on a cluster (a router pod
    // proxies to the app's pods): the node's /24 only, never a default route. The host
    // forwards what arrives on this veth, and only to the subnet's /32 routes; an address of
    // the subnet with no pod meets the subnet's unreachable route.
    await inside(['route', 'add', subnet.cidr, 'via', gateway, 'dev', 'eth0']);
    await ip(['route', 'add', `${address}/32`, 'dev', hostVeth, 'src', gateway]);
    writeFileSync(`/proc/sys/net/ipv4/conf/${hostVeth}/forwarding`, '1');
    await checkRoute(sandbox);
    return sandbox;
  } catch (error) {
    await removeSandbox(sandbox);
    throw error;
  }
}

/** Fails unless the kernel sends traffic for the pod's address out through the pod's veth. */
export async function checkRoute(sandbox: Sandbox): Promise<void> {
  const [route] = await ipJson<{ dev?: string; prefsrc?: string }>(['route', 'get', sandbox.ip]);
  if (route?.dev !== sandbox.hostVeth) {
    throw new Error(
      `traffic for ${sandbox.ip} would leave through ${route?.dev ?? 'nothing'}, not ${sandbox.hostVeth}: refusing to use it`,
    );
  }
}

/** Kills whatever still runs in the namespace, then deletes it and its veth pair. */
export async function removeSandbox(sandbox: Pick<Sandbox, 'netns' | 'hostVeth'>): Promise<void> {
  const pids = await ip(['netns', 'pids', sandbox.netns]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ip(['netns', 'del', sandbox.netns]).catch(() => '');
  // Gone with the namespace once nothing holds it; deleted here in case something still does.
  await ip(['link', 'del', sandbox.hostVeth]).catch(() => '');
}

const SANDBOX_NETNS = /^cdk-([0-9a-f]{4})-(\d+)$/;
const SANDBOX_VETH = /^cdk([0-9a-f]{4})h(\d+)$/;

/** Every sandbox on this machine, by the run id in its name (for cleanup after a killed run). */
export async function listSandboxes(): Promise<
  (Pick<Sandbox, 'netns' | 'hostVeth'> & { runId: string })[]
> {
  const found = new Map<string, Pick<Sandbox, 'netns' | 'hostVeth'> & { runId: string }>();
  for (const { name } of await ipJson<{ name: string }>(['netns', 'list'])) {
    const match = SANDBOX_NETNS.exec(name);
    if (match) {
      found.set(name, { runId: match[1]!, netns: name, hostVeth: `cdk${match[1]!}h${match[2]!}` });
    }
  }
  for (const { ifname } of await ipJson<{ ifname: string }>(['link', 'show', 'type', 'veth'])) {
    const match = SANDBOX_VETH.exec(ifname);
    if (match) {
      const netns = `cdk-${match[1]!}-${match[2]!}`;
      found.set(netns, { runId: match[1]!, netns, hostVeth: ifname });
    }
  }
  return [...found.values()];
}

/** Removes the route that keeps a claimed subnet on this machine (nothing when it is gone). */
export async function dropSubnetRoute(cidr: string): Promise<void> {
  await ip(['route', 'del', 'unreachable', cidr]).catch(() => '');
}
