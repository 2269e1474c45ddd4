import { routerHistogram } from '../../analysis/test-support/buckets.js';
import { decide } from '../decide/decide.js';
import type {
  Action,
  MeasuredWindow,
  Measurement,
  Observations,
  SideObservation,
  Span,
  TrafficTable,
} from '../decide/world.js';
import { hookEnded, hookStarted, newDeployment } from '../machine.js';
import { validateAppManifest, type DeploymentType } from '../manifest.js';
import type { AppRecord, Deployment, HookName, ServingSide } from '../record.js';

/*
 * A world in memory for `decide`: a supervisor whose services behave as a test says, a router
 * that serves the last table it was given, hooks with scripted outcomes, and traffic with a
 * scripted health per version. It carries out actions the way the server does, with a clock
 * the test moves.
 */

export const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const HOST = '127.0.0.1';

/** How a version's service behaves when started: ready at once, never ready, or crashing. */
export type Behaviour = 'healthy' | 'slow' | 'crash';

/** What a version answers: requests per second at full traffic, 5xx share, median latency. */
export interface Health {
  rps: number;
  errorRate: number;
  latencyMs: number;
}

export const HEALTHY: Health = { rps: 100, errorRate: 0.005, latencyMs: 40 };
export const FAULTY: Health = { rps: 100, errorRate: 0.3, latencyMs: 40 };

interface FakeSide {
  desired: number;
  behaviour: Behaviour;
}

/** The app's manifest with fast steps; `spec` overrides any of it. */
export function appSpec(spec: Record<string, unknown> = {}) {
  const checked = validateAppManifest({
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop', namespace: 'prod' },
    spec: {
      port: 8080,
      instances: 2,
      run: { command: 'node', args: ['shop.js'] },
      strategy: {
        type: 'CANARY',
        canary: {
          steps: [
            { weight: 20, pause: '10s' },
            { weight: 50, pause: '10s' },
          ],
        },
        blueGreen: { switch: [50, 100], observe: '10s' },
        rolling: { batchSize: 1, pause: '10s' },
      },
      analysis: { interval: '2s', minRequests: 20, failureLimit: 1, latencyP99: '500ms' },
      keepPrevious: '1m',
      ...spec,
    },
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.value;
}

function side(version: string, port: number, traffic: number): ServingSide {
  return {
    version,
    service: `prod.shop.${version}`,
    instances: 2,
    ready: 2,
    command: 'node shop.js',
    traffic,
    state: 'running',
    port,
    run: { command: 'node', args: ['shop.js'] },
  };
}

export class World {
  now = T0;
  app: AppRecord | null;
  d!: Deployment;
  readonly sides = new Map<string, FakeSide>();
  table: TrafficTable | null;
  routerUp = true;
  /** Every action carried out, in order, with the time it was. */
  readonly done: { at: number; action: Action }[] = [];
  readonly behaviour: Record<string, Behaviour> = {};
  readonly health: Record<string, Health> = {};
  readonly hookOutcomes: Partial<Record<HookName, { ok: boolean; detail: string }>> = {};
  private measured: Measurement | null = null;

  /** An app serving `v1` (unless `first`), about to release `v2` with `type`. */
  constructor(
    type: DeploymentType,
    spec: Record<string, unknown> = {},
    options: { first?: boolean } = {},
  ) {
    const app = appSpec(spec);
    const stable = options.first === true ? null : side('v1', 20_000, 100);
    this.app = { spec: app, stable, previous: null, lastDeployment: null, appliedAt: '' };
    if (stable !== null) this.sides.set(stable.service, { desired: 2, behaviour: 'healthy' });
    const version = options.first === true ? 'v1' : 'v2';
    this.d = newDeployment({
      id: 'dep-20261202-00000001',
      app,
      version,
      type,
      run: { command: 'node', args: ['shop.js'] },
      executor: 'ops-li',
      stable,
      canaryService: `prod.shop.${version}`,
      now: this.now,
    });
    this.d.resources.canary.port = 21_000;
    this.app.lastDeployment = this.d.id;
    this.table = {
      versions:
        stable === null
          ? []
          : [{ version: 'v1', weight: 100, backends: [`${HOST}:20000`, `${HOST}:20001`] }],
      stable: stable === null ? 'stable' : 'v1',
      canary: stable === null ? 'canary' : 'v1',
      sticky: false,
      headerRouting: true,
    };
  }

  observe(): Observations {
    const sides: Record<string, SideObservation> = {};
    for (const [service, s] of this.sides) {
      const crash = s.behaviour === 'crash';
      sides[service] = {
        exists: true,
        status: crash ? 'CRASHLOOP' : s.behaviour === 'slow' ? 'STARTING' : 'ONLINE',
        desired: s.desired,
        ready: s.behaviour === 'healthy' ? s.desired : 0,
        failure: crash ? 'exited with code 3 (5 restarts, CRASHLOOP)' : null,
      };
    }
    return {
      app: this.app,
      sides,
      router: this.routerUp
        ? { table: this.table, servedBy: 'pid 4242' }
        : { table: null, servedBy: null },
      host: HOST,
      measured: this.measured,
    };
  }

  /** One decision, carried out; answers what it asked for. */
  round(): Action[] {
    const actions = decide(this.d, this.observe(), this.now);
    this.measured = null;
    for (const action of actions) this.act(action);
    return actions;
  }

  /**
   * One decision of which only the first `n` actions are carried out: the controller died
   * after them. Answers the whole decision.
   */
  cutShort(n: number): Action[] {
    const actions = decide(this.d, this.observe(), this.now);
    this.measured = null;
    for (const action of actions.slice(0, n)) this.act(action);
    return actions;
  }

  /**
   * One decision, carried out up to a run of `hook`, which starts and never ends: the
   * controller died while it ran. Answers whether the decision was to run it.
   */
  dieInHook(hook: HookName): boolean {
    const actions = decide(this.d, this.observe(), this.now);
    this.measured = null;
    for (const action of actions) {
      if (action.kind === 'runHook' && action.hook === hook) {
        this.d = hookStarted(this.d, hook, this.now);
        return true;
      }
      this.act(action);
    }
    return false;
  }

  /** Decides and acts until nothing is left to do now; answers every action taken. */
  settle(maxRounds = 60): Action[] {
    const all: Action[] = [];
    for (let i = 0; i < maxRounds; i += 1) {
      const actions = this.round();
      if (actions.length === 0) return all;
      all.push(...actions);
    }
    throw new Error(`still busy after ${maxRounds} rounds: ${JSON.stringify(all.slice(-3))}`);
  }

  /** Moves the clock on by `ms`, then settles. */
  advance(ms: number): Action[] {
    this.now += ms;
    return this.settle();
  }

  /** Moves the clock on in `stepMs` steps until `done` holds; fails after `maxMs`. */
  runUntil(done: (d: Deployment) => boolean, maxMs = 600_000, stepMs = 500): Action[] {
    const all = this.settle();
    const end = this.now + maxMs;
    while (!done(this.d)) {
      if (this.now > end) {
        throw new Error(`not there after ${maxMs} ms: ${this.d.status} ${this.d.reason ?? ''}`);
      }
      all.push(...this.advance(stepMs));
    }
    return all;
  }

  /** Runs until the current step has `name` (and has set its weight, for a traffic step). */
  runToStep(name: string, maxMs?: number): Action[] {
    return this.runUntil((d) => {
      const step = d.progress.steps[d.progress.currentStepIndex];
      if (step?.name !== name || step.status !== 'RUNNING') return false;
      const moves = ['traffic', 'observe', 'batch'].includes(step.kind);
      return !moves || (d.stepState?.since != null && d.trafficChange === null);
    }, maxMs);
  }

  /** What a person asks, recorded as the API records it. */
  ask(action: NonNullable<Deployment['requested']>['action'], by = 'ops-wang'): void {
    this.d = { ...this.d, requested: { action, at: new Date(this.now).toISOString(), by } };
  }

  /** The weights the router serves now. */
  served(): Record<string, number> {
    const weights: Record<string, number> = {};
    for (const v of this.table?.versions ?? []) if (v.weight > 0) weights[v.version] = v.weight;
    return weights;
  }

  private act(action: Action): void {
    this.done.push({ at: this.now, action });
    switch (action.kind) {
      case 'save':
        this.d = action.record;
        return;
      case 'saveApp':
        this.app = action.app;
        return;
      case 'startSide': {
        const version = action.side.version;
        this.sides.set(action.side.service, {
          desired: action.instances,
          behaviour: this.behaviour[version] ?? 'healthy',
        });
        return;
      }
      case 'scaleSide': {
        const known = this.sides.get(action.service);
        if (known !== undefined) known.desired = action.instances;
        return;
      }
      case 'stopSide':
        this.sides.delete(action.service);
        return;
      case 'setTable':
        if (!this.routerUp) throw new Error('the router is down');
        this.table = action.table;
        return;
      case 'runHook': {
        this.d = hookStarted(this.d, action.hook, this.now);
        const outcome = this.hookOutcomes[action.hook] ?? { ok: true, detail: 'exit code 0' };
        this.d = hookEnded(this.d, action.hook, this.now, outcome);
        return;
      }
      case 'measure':
        this.measured = {
          at: action.at,
          step: this.window(action.step),
          recent: this.window(action.recent),
          trend: this.window(action.trend),
        };
        return;
    }
  }

  /** What the router would have counted over `span` at the weights it serves now. */
  private window(span: Span | null): MeasuredWindow | null {
    if (span === null) return null;
    const [from, to] = span;
    const seconds = Math.max(1, (to - from) / 1000);
    const versions: MeasuredWindow['versions'] = {};
    for (const v of this.table?.versions ?? []) {
      if (v.weight === 0) continue;
      const health = this.health[v.version] ?? HEALTHY;
      const requests = Math.round((health.rps * seconds * v.weight) / 100);
      const latencies = Array.from({ length: requests }, (_, i) => health.latencyMs + (i % 20));
      versions[v.version] = {
        requests,
        errors: Math.round(requests * health.errorRate),
        latency: routerHistogram(latencies),
        durationSeconds: seconds,
      };
    }
    return { from, to, versions };
  }
}

/** The kinds of `actions`, in order. */
export function kinds(actions: readonly Action[]): string[] {
  return actions.map((a) => a.kind);
}
