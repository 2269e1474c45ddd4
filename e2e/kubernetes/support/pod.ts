// A pod run by the test kubelet: its containers, and the status a kubelet reports for it.
import { mkdirSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { apiTime, ContainerRunner, type RestartBackoff } from './container.js';
import type { ImageRegistry } from './images.js';
import type { Sandbox } from './network.js';

export interface PodRuntimeOptions {
  registry: ImageRegistry;
  logDir: string;
  backoff: RestartBackoff;
  onChange: () => void;
}

type ConditionType = 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready';

export class PodRuntime {
  readonly containers: ContainerRunner[];
  private readonly startTime = apiTime();
  private readonly transitions = new Map<ConditionType, { status: string; at: string }>();
  private readonly unsupported: string | null;

  constructor(
    readonly pod: V1Pod,
    readonly sandbox: Sandbox,
    options: PodRuntimeOptions,
  ) {
    mkdirSync(options.logDir, { recursive: true });
    this.unsupported =
      (pod.spec?.initContainers ?? []).length > 0
        ? 'init containers are not supported by the test kubelet'
        : null;
    this.containers = (pod.spec?.containers ?? []).map(
      (container) =>
        new ContainerRunner({
          pod,
          container,
          sandbox,
          registry: options.registry,
          logDir: options.logDir,
          backoff: options.backoff,
          onChange: options.onChange,
        }),
    );
  }

  start(): void {
    if (this.unsupported) return;
    for (const container of this.containers) container.start();
  }

  /** Stops every container: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all(this.containers.map((c) => c.stop(graceMs)));
  }

  get phase(): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
    if (this.containers.length > 0 && this.containers.every((c) => c.finished)) {
      return this.containers.every((c) => c.state.terminated?.exitCode === 0)
        ? 'Succeeded'
        : 'Failed';
    }
    return this.containers.some((c) => c.everStarted) ? 'Running' : 'Pending';
  }

  private condition(type: ConditionType, value: boolean, reason?: string, message?: string) {
    const status = value ? 'True' : 'False';
    const previous = this.transitions.get(type);
    if (previous?.status !== status) this.transitions.set(type, { status, at: apiTime() });
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: this.transitions.get(type)?.at,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  }

  /** The pod's status as the kubelet reports it through the status subresource. */
  status(): Record<string, unknown> {
    const ready = this.containers.length > 0 && this.containers.every((c) => c.ready);
    const notReady = this.containers.filter((c) => !c.ready).map((c) => c.name);
    const why =
      notReady.length > 0 ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
    const phase = this.phase;
    const completed = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : undefined;
    return {
      phase,
      hostIP: this.sandbox.gateway,
      podIP: this.sandbox.ip,
      podIPs: [{ ip: this.sandbox.ip }],
      startTime: this.startTime,
      conditions: [
        this.condition('PodScheduled', true),
        this.condition(
          'Initialized',
          this.unsupported === null,
          this.unsupported ? 'Unsupported' : undefined,
          this.unsupported ?? undefined,
        ),
        this.condition(
          'ContainersReady',
          ready,
          completed ?? (ready ? undefined : 'ContainersNotReady'),
          why,
        ),
        this.condition(
          'Ready',
          ready,
          completed ?? (ready ? undefined : 'ContainersNotReady'),
          why,
        ),
      ],
      containerStatuses: this.containers.map((c) => c.status()),
    };
  }
}
