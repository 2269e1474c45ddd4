// One container of a pod, run by the test kubelet as a local process inside the pod's network
// namespace, restarted by the pod's restart policy, with its readiness probe.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { resolveContainer, type ImageRegistry } from './images.js';
import type { Sandbox } from './network.js';
import { runProbe } from './probes.js';
import { startProcess, stopProcess, type StartedProcess } from './processes.js';

/** An API timestamp (RFC 3339, whole seconds). */
export function apiTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason: string;
    message?: string;
    startedAt: string;
    finishedAt: string;
    containerID: string;
  };
}

export interface RestartBackoff {
  /** Delay before the first restart; doubled for each further one. */
  initialMs: number;
  maxMs: number;
}

export interface ContainerOptions {
  pod: V1Pod;
  container: V1Container;
  sandbox: Sandbox;
  registry: ImageRegistry;
  logDir: string;
  backoff: RestartBackoff;
  /** Called whenever what `status()` returns may have changed. */
  onChange: () => void;
}

export class ContainerRunner {
  readonly name: string;
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState = {};
  restartCount = 0;
  ready = false;
  /** True once the process has been started; a container that never starts keeps the pod Pending. */
  everStarted = false;
  private process: StartedProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private probeStreak = { ok: 0, failed: 0 };

  constructor(private readonly options: ContainerOptions) {
    this.name = options.container.name;
  }

  get pid(): number | undefined {
    return this.state.running ? this.process?.pid : undefined;
  }

  /** True when the container has exited for good under the restart policy. */
  get finished(): boolean {
    return this.state.terminated !== undefined;
  }

  start(): void {
    const { pod, container, sandbox, registry } = this.options;
    const launch = resolveContainer(pod, container, registry, {
      podIP: sandbox.ip,
      hostIP: sandbox.gateway,
    });
    if ('reason' in launch) {
      this.state = { waiting: { reason: launch.reason, message: launch.message } };
      this.options.onChange();
      return;
    }
    const process_ = startProcess(
      `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}/${this.name}`,
      'ip',
      ['netns', 'exec', sandbox.netns, ...launch.argv],
      {
        logPath: join(this.options.logDir, `${this.name}.log`),
        env: launch.env,
        cwd: launch.cwd,
        dieWithParent: true,
      },
    );
    this.process = process_;
    this.everStarted = true;
    this.state = { running: { startedAt: apiTime() } };
    this.probeStreak = { ok: 0, failed: 0 };
    this.ready = container.readinessProbe === undefined;
    if (container.readinessProbe) {
      this.schedule((container.readinessProbe.initialDelaySeconds ?? 0) * 1000, () => {
        this.probe();
      });
    }
    this.options.onChange();
    void process_.exited.then(({ code, signal }) => {
      this.exited(process_, code, signal);
    });
  }

  /** SIGTERM to the container's process group, SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const process_ = this.process;
    if (process_ && this.state.running) {
      await stopProcess(process_, graceMs);
      await process_.exited;
    }
  }

  status(): Record<string, unknown> {
    const { container } = this.options;
    return {
      name: this.name,
      image: container.image ?? '',
      imageID: `${container.image ?? ''}@local`,
      ...(this.process ? { containerID: `process://${this.process.pid}` } : {}),
      ready: this.ready,
      started: this.state.running !== undefined,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }

  private schedule(delayMs: number, action: () => void): void {
    clearTimeout(this.timer);
    if (this.stopping) return;
    this.timer = setTimeout(action, delayMs);
  }

  private probe(): void {
    const probe = this.options.container.readinessProbe;
    const process_ = this.process;
    if (!probe || !process_ || !this.state.running || this.stopping) return;
    const target = {
      podIP: this.options.sandbox.ip,
      netns: this.options.sandbox.netns,
      ports: this.options.container.ports ?? [],
    };
    void runProbe(probe, target).then((result) => {
      if (process_ !== this.process || !this.state.running || this.stopping) return;
      this.probeStreak = result.ok
        ? { ok: this.probeStreak.ok + 1, failed: 0 }
        : { ok: 0, failed: this.probeStreak.failed + 1 };
      const ready =
        this.probeStreak.ok >= (probe.successThreshold ?? 1)
          ? true
          : this.probeStreak.failed >= (probe.failureThreshold ?? 3)
            ? false
            : this.ready;
      if (ready !== this.ready) {
        this.ready = ready;
        this.options.onChange();
      }
      this.schedule((probe.periodSeconds ?? 10) * 1000, () => {
        this.probe();
      });
    });
  }

  private exited(process_: StartedProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (process_ !== this.process) return;
    clearTimeout(this.timer);
    this.ready = false;
    const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
    const message = this.terminationMessage(exitCode);
    const terminated = {
      exitCode,
      ...(signal ? { signal: constants.signals[signal] } : {}),
      reason: exitCode === 0 ? 'Completed' : 'Error',
      ...(message === null ? {} : { message }),
      startedAt: this.state.running?.startedAt ?? apiTime(),
      finishedAt: apiTime(),
      containerID: `process://${process_.pid}`,
    };
    const policy = this.options.pod.spec?.restartPolicy ?? 'Always';
    const restart =
      !this.stopping && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (!restart) {
      this.state = { terminated };
      this.options.onChange();
      return;
    }
    const { initialMs, maxMs } = this.options.backoff;
    const delay = Math.min(initialMs * 2 ** Math.min(this.restartCount, 16), maxMs);
    this.lastState = { terminated };
    this.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${delay} ms restarting failed container ${this.name}`,
      },
    };
    this.options.onChange();
    this.schedule(delay, () => {
      this.restartCount += 1;
      this.start();
    });
  }

  /**
   * What a kubelet puts in `terminated.message` under `terminationMessagePolicy:
   * FallbackToLogsOnError` after a failure: the end of the container's output (80 lines, 2 KiB
   * at most). No termination-message file exists here, so it is the only source.
   */
  private terminationMessage(exitCode: number): string | null {
    if (
      exitCode === 0 ||
      this.options.container.terminationMessagePolicy !== 'FallbackToLogsOnError'
    )
      return null;
    try {
      const text = readFileSync(join(this.options.logDir, `${this.name}.log`), 'utf8');
      const tail = text.split('\n').slice(-81).join('\n');
      return tail.slice(-2048);
    } catch {
      return null;
    }
  }
}
