import type { Logger } from 'pino';
import { serviceStatus, type ServiceSpec, type ServiceStatus } from '@codedance/core';
import type { EventPublisher } from '../events/index.js';
import type { ServiceInstance } from './instance.js';
import { roll, type RolloutTarget } from './rollout.js';
import { instanceView, serviceView, type ServiceView } from './views.js';

/**
 * One service as the supervisor holds it: the definition last read from or
 * written to the store, its instances, and the rolling restart in flight.
 */
export class ServiceEntry implements RolloutTarget {
  instances: ServiceInstance[] = [];
  status: ServiceStatus = 'STOPPED';
  /** Set by a stop, a delete or shutdown: a rollout ends after its current step. */
  halted = false;
  rollout: Promise<void> | null = null;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    public spec: ServiceSpec,
    public version: number,
    public generation: number,
    private readonly bus: EventPublisher,
    private readonly logger: Logger,
  ) {}

  /** Runs API actions on this service one at a time; `check` runs first (is it still there?). */
  locked<T>(check: () => void, action: () => Promise<T>): Promise<T> {
    const run = this.lock.then(() => {
      check();
      return action();
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** True when some instance is meant to run; new instances then start too. */
  isRunning(): boolean {
    return this.instances.some((i) => i.data().desired === 'running');
  }

  /** Recomputes the status from the instances; publishes `service.status` when it changed. */
  refreshStatus(announce = false): void {
    const status = serviceStatus(this.instances.filter(Boolean).map((i) => i.data().state));
    const previous = this.status;
    this.status = status;
    if (status !== previous || announce) {
      this.bus.publish('service.status', {
        name: this.name,
        status,
        previous: announce ? null : previous,
      });
    }
  }

  /** Starts replacing stale instances, or joins the rollout already running. Never rejects. */
  startRollout(closed: () => boolean): Promise<void> {
    this.halted = false;
    if (this.rollout) return this.rollout;
    // Deferred by a tick so `this.rollout` is set before the loop can finish and clear it.
    const run: Promise<void> = Promise.resolve()
      .then(() => roll(this, closed))
      .catch((error: unknown) => {
        this.logger.error({ err: error, service: this.name }, 'a rolling restart failed');
      })
      .finally(() => {
        if (this.rollout === run) this.rollout = null;
      });
    this.rollout = run;
    return run;
  }

  view(now: number): ServiceView {
    return serviceView(
      {
        name: this.name,
        version: this.version,
        generation: this.generation,
        status: this.status,
        rolling: this.rollout !== null,
        spec: this.spec,
      },
      this.instances.map((i) => instanceView(i, this.spec, now)),
    );
  }
}
