/**
 * Leader election on a coordination.k8s.io/v1 Lease: a controller acts only while it holds the
 * Lease and has renewed it within its duration, by its own clock. Every write of the Lease is
 * conditional on the resourceVersion read, so two controllers never both believe they took it.
 */
import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';

export interface LeaseElectorOptions {
  kubeconfig: KubeConfig;
  namespace: string;
  name: string;
  /** Who this controller is, written in `holderIdentity`. */
  identity: string;
  /** How long a holder keeps the Lease without renewing it; 15 s by default. */
  durationMs?: number;
  /** How often it is renewed or tried; a third of the duration by default. */
  retryMs?: number;
  clock?: () => number;
  onChange?: (leading: boolean) => void;
}

function statusCode(error: unknown): number | null {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : null;
}

function micro(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

function ms(time: Date | string | undefined): number {
  if (time === undefined) return 0;
  return time instanceof Date ? time.getTime() : Date.parse(time);
}

/** Takes and keeps a Lease; `leading` says whether this controller may act now. */
export class LeaseElector {
  readonly #api: CoordinationV1Api;
  readonly #options: LeaseElectorOptions;
  readonly #clock: () => number;
  readonly #durationMs: number;
  /** Until when (local clock) this controller's hold is certain. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
    this.#api = options.kubeconfig.makeApiClient(CoordinationV1Api);
    this.#clock = options.clock ?? (() => Date.now());
    this.#durationMs = options.durationMs ?? 15_000;
  }

  /** True while this controller holds the Lease and renewed it within its duration. */
  get leading(): boolean {
    return this.#clock() < this.#validUntil;
  }

  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.#try()
        .catch(() => undefined)
        .then(() => {
          if (!this.#stopped)
            this.#timer = setTimeout(tick, this.#options.retryMs ?? this.#durationMs / 3);
        });
    };
    tick();
  }

  /** Stops renewing; a held Lease is given up so another controller takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    if (!this.leading) return;
    this.#set(false);
    const lease = await this.#read().catch(() => null);
    if (lease?.spec?.holderIdentity !== this.#options.identity) return;
    // An empty holder is free to take at once.
    lease.spec.holderIdentity = '';
    await this.#api
      .replaceNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
        body: lease,
      })
      .catch(() => undefined);
  }

  #set(leading: boolean, until = 0): void {
    const was = this.leading;
    this.#validUntil = leading ? until : 0;
    if (was !== leading) this.#options.onChange?.(leading);
  }

  async #read(): Promise<V1Lease | null> {
    try {
      return await this.#api.readNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
      });
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  async #try(): Promise<void> {
    const { name, namespace, identity } = this.#options;
    const started = this.#clock();
    const seconds = Math.ceil(this.#durationMs / 1000);
    const lease = await this.#read();
    const now = this.#clock();
    try {
      if (lease === null) {
        await this.#api.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: seconds,
              acquireTime: micro(now),
              renewTime: micro(now),
              leaseTransitions: 0,
            },
          },
        });
        this.#set(true, started + this.#durationMs);
        return;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity;
      const expired =
        holder === undefined ||
        holder === '' ||
        ms(spec.renewTime) + (spec.leaseDurationSeconds ?? seconds) * 1000 < now;
      if (holder !== identity && !expired) {
        this.#set(false);
        return;
      }
      const taking = holder !== identity;
      spec.holderIdentity = identity;
      spec.leaseDurationSeconds = seconds;
      spec.renewTime = micro(now);
      if (taking) {
        spec.acquireTime = micro(now);
        spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
      }
      lease.spec = spec;
      await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
      // Counted from before the read: the hold never outlasts what the others will wait.
      this.#set(true, started + this.#durationMs);
    } catch (error) {
      // 409: another controller wrote the Lease first.
      this.#set(false);
      if (statusCode(error) !== 409) throw error;
    }
  }
}
