import {
  decide,
  hookEnded,
  hookStarted,
  type Action,
  type AppRecord,
  type Deployment,
  type Measurement,
  type Observations,
  splitOfTable,
  tableOfSplit,
  type AppRef,
  type RouterObservation,
  type SideObservation,
} from '@codedance/core';
import type { ReconcilerDeps } from './deps.js';
import { runHook } from './hooks.js';
import { measure } from './measure.js';
import { ensureSide, observeSide, removeSide, scaleSide } from './sides.js';

/**
 * Rounds of observe → decide → act one pass may take. A release's instant steps chain within a
 * pass; one that waits (for time, a person, a version to be ready) ends it sooner.
 */
const MAX_ROUNDS = 40;

/** Where a pass stands: the release and its app as last saved, and a measurement to hand on. */
interface Pass {
  d: Deployment;
  app: AppRecord | null;
  /** The app's entry point, as its traffic router and metrics source know it. */
  entry: AppRef | null;
  measured: Measurement | null;
}

/**
 * Carries out what `decide` asks for a release, one pass at a time: observes the world (the
 * store, the runtime, the router), asks `decide`, and does the actions in order, each one
 * idempotent or recorded first. It decides nothing itself.
 */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * One pass over a release; answers the record as the pass left it. `until` ends the pass
   * early, once the record is as the caller needs it.
   */
  async run(
    start: Deployment,
    onSaved: (d: Deployment) => void,
    until?: (d: Deployment) => boolean,
  ): Promise<Deployment> {
    const app = await this.deps.book.findApp(start.environment, start.app);
    const entry = app === null ? null : entryOf(app);
    const pass: Pass = { d: start, app, entry, measured: null };
    let previous = '';
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const observations = await this.observe(pass);
      const actions = decide(pass.d, observations, this.deps.clock());
      pass.measured = null;
      if (actions.length === 0) break;
      // The same decision twice over an unchanged world would be asked for forever.
      const asked = JSON.stringify(actions);
      if (asked === previous) {
        this.deps.logger.warn(
          { deployment: pass.d.id, actions: actions.map((a) => a.kind) },
          'a release asked for the same actions again without effect; next pass',
        );
        break;
      }
      previous = asked;
      for (const action of actions) await this.act(pass, action, onSaved);
      if (until?.(pass.d) === true) break;
    }
    return pass.d;
  }

  private async act(pass: Pass, action: Action, onSaved: (d: Deployment) => void): Promise<void> {
    const save = async (record: Deployment) => {
      pass.d = await this.deps.book.save(record);
      onSaved(pass.d);
    };
    switch (action.kind) {
      case 'save':
        await save(action.record);
        return;
      case 'saveApp':
        pass.app = await this.deps.book.saveApp(action.app);
        return;
      case 'startSide':
        if (pass.app !== null)
          await ensureSide(this.deps.runtime, pass.app.spec, action.side, action.instances);
        return;
      case 'scaleSide':
        await scaleSide(this.deps.runtime, action.service, action.instances);
        return;
      case 'stopSide':
        await removeSide(this.deps.runtime, action.service);
        return;
      case 'setTable':
        if (pass.entry === null) throw new Error('the app has no entry point');
        await this.deps.traffic.apply(pass.entry, splitOfTable(action.table));
        return;
      case 'runHook': {
        // Recorded before it runs: a run cut short by a restart is never run again.
        await save(hookStarted(pass.d, action.hook, this.deps.clock()));
        const outcome = await runHook(action.spec, pass.d, action.hook, this.deps.env);
        await save(hookEnded(pass.d, action.hook, this.deps.clock(), outcome));
        return;
      }
      case 'measure':
        if (pass.entry === null) throw new Error('the app has no entry point');
        pass.measured = await measure(this.deps.metrics, pass.entry, action);
        return;
    }
  }

  /** What the world looks like for the release: its sides, its router, its app. */
  private async observe(pass: Pass): Promise<Observations> {
    const { d, app } = pass;
    const services = new Set<string>([d.resources.canary.service]);
    for (const side of [d.resources.stable, app?.stable, app?.previous]) {
      if (side != null) services.add(side.service);
    }
    const sides: Record<string, SideObservation> = {};
    for (const service of services) sides[service] = await observeSide(this.deps.runtime, service);
    return {
      app,
      sides,
      router: await this.router(pass),
      host: this.deps.host,
      measured: pass.measured,
    };
  }

  private async router(pass: Pass): Promise<RouterObservation> {
    if (pass.entry === null) return { table: null, servedBy: null };
    // A router that stopped answering is found again, or started again on its last table.
    const applied = await this.deps.traffic.current(pass.entry);
    if (applied?.split === undefined) return { table: null, servedBy: null };
    return { table: tableOfSplit(applied.split), servedBy: applied.servedBy ?? null };
  }
}

/** Where an app's traffic enters: its environment, name and public port. */
export function entryOf(app: AppRecord): AppRef {
  return { environment: app.spec.namespace, app: app.spec.name, port: app.spec.port };
}
