import { isFinal, type AppRecord, type Deployment, type SideResource } from '../record.js';
import type { TrafficSplit, VersionTarget } from '../../traffic/router.js';
import type { TrafficTable } from './world.js';

function backends(side: SideResource, host: string, count: number): string[] {
  const first = side.port;
  if (first === null) return [];
  return Array.from({ length: count }, (_, i) => `${host}:${first + i}`);
}

/** Rolling: the instances of each side the last batch that moved traffic left in the table. */
function batchCounts(d: Deployment): { stable: number; canary: number } | undefined {
  const index = d.progress.currentStepIndex;
  return d.progress.steps.findLast(
    (s, i) =>
      s.kind === 'batch' &&
      (s.status === 'COMPLETED' ||
        (i === index && s.status === 'RUNNING' && d.stepState?.since != null)),
  )?.instances;
}

/**
 * The table the router should serve for an app whose newest release is `d`, at `now`. The
 * weights are the record's (`resources.*.traffic`), so the router serves what the record says.
 * While the release runs, its stable side stays listed (`x-canary: never` reaches it) and, once
 * started, so does the new side at 0 % (`x-canary: always` reaches it before any traffic does);
 * rolling, each side lists the instances of the last batch that moved traffic. A version kept
 * warm after the previous release stays listed at 0 % until its time is up.
 */
export function desiredTable(
  d: Deployment,
  app: AppRecord,
  host: string,
  now: number,
): TrafficTable {
  const { stable, canary } = d.resources;
  const running = !isFinal(d.status) && d.ending === null;
  const started = d.progress.steps.some((s) => s.kind === 'start' && s.status === 'COMPLETED');
  const counts = running ? batchCounts(d) : undefined;
  const versions: TrafficTable['versions'] = [];
  const stableListed = stable !== null && (running || stable.traffic > 0);
  if (stableListed) {
    versions.push({
      version: stable.version,
      weight: stable.traffic,
      backends: backends(stable, host, counts?.stable ?? stable.instances),
    });
  }
  const canaryListed = canary.traffic > 0 || (running && stable !== null && started);
  if (canaryListed) {
    versions.push({
      version: canary.version,
      weight: canary.traffic,
      backends: backends(canary, host, counts?.canary ?? canary.instances),
    });
  }
  const previous = app.previous;
  if (
    previous !== null &&
    Date.parse(previous.warmUntil) > now &&
    !versions.some((v) => v.version === previous.version)
  ) {
    versions.push({
      version: previous.version,
      weight: 0,
      backends: backends(previous, host, previous.instances),
    });
  }
  const stableName = stableListed ? stable.version : canaryListed ? canary.version : 'stable';
  const canaryName = canaryListed ? canary.version : versions.length === 0 ? 'canary' : stableName;
  return {
    versions,
    stable: stableName,
    canary: canaryName,
    sticky: app.spec.sticky,
    headerRouting: app.spec.headerRouting,
  };
}

/** The share of each version the table sends anything to. */
export function tableWeights(table: TrafficTable): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const v of table.versions) if (v.weight > 0) weights[v.version] = v.weight;
  return weights;
}

/** Whether two tables route alike: the same versions, weights, backends and options. */
export function sameTable(a: TrafficTable, b: TrafficTable): boolean {
  if (
    a.stable !== b.stable ||
    a.canary !== b.canary ||
    a.sticky !== b.sticky ||
    a.headerRouting !== b.headerRouting ||
    a.versions.length !== b.versions.length
  ) {
    return false;
  }
  const key = (v: TrafficTable['versions'][number]) =>
    `${v.version}\u0000${v.weight}\u0000${v.backends.join(',')}`;
  const other = new Set(b.versions.map(key));
  return a.versions.every((v) => other.has(key(v)));
}

/** Whether two tables give every version the same share. */
export function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * A table as the split a traffic router carries: each `host:port` backend an endpoint of its
 * version. What a release decides goes out in this shape, whatever data plane carries it.
 */
export function splitOfTable(table: TrafficTable): TrafficSplit {
  return {
    versions: table.versions.map((v) => ({
      version: v.version,
      weight: v.weight,
      target: {
        kind: 'endpoints',
        endpoints: v.backends.map((backend) => {
          const at = backend.lastIndexOf(':');
          return { host: backend.slice(0, at), port: Number(backend.slice(at + 1)) };
        }),
      },
    })),
    stable: table.stable,
    canary: table.canary,
    sticky: table.sticky,
    headerRouting: table.headerRouting,
  };
}

/** The table a split stands for: the way back from {@link splitOfTable}. */
export function tableOfSplit(split: TrafficSplit): TrafficTable {
  return {
    versions: split.versions.map((v) => ({
      version: v.version,
      weight: v.weight,
      backends: backendsOf(v.target),
    })),
    stable: split.stable,
    canary: split.canary ?? split.stable,
    sticky: split.sticky,
    headerRouting: split.headerRouting,
  };
}

function backendsOf(target: VersionTarget): string[] {
  return target.kind === 'endpoints'
    ? target.endpoints.map((e) => `${e.host}:${e.port}`)
    : [`${target.name}:${target.port}`];
}
