import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { LocalProcesses } from '../local.js';
import type { ProcessHandle, ProcessSpec } from '../types.js';

/** Enough environment for `sh` and `sleep` to be found. */
export const BASE_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin' } as const;

/**
 * A LocalProcesses for tests, with a temporary folder for output files and
 * a record of every process group started, so `cleanup` can SIGKILL them all
 * whatever the test did.
 */
export class Workloads {
  #runtime: LocalProcesses | undefined;
  readonly #groups = new Set<number>();
  #dir: string | undefined;

  /** A fresh runtime after each `cleanup`, polling adopted processes often to keep tests quick. */
  get runtime(): LocalProcesses {
    this.#runtime ??= new LocalProcesses({ adoptionPollMs: 50 });
    return this.#runtime;
  }

  async dir(): Promise<string> {
    this.#dir ??= await mkdtemp(join(tmpdir(), 'cd-runtime-'));
    return this.#dir;
  }

  /** A spec running `process.execPath -e script ...args`, output in the temp folder. */
  async node(script: string, extra: Partial<ProcessSpec> = {}): Promise<ProcessSpec> {
    return this.spec({ command: process.execPath, args: ['-e', script], ...extra });
  }

  async spec(extra: Partial<ProcessSpec> & Pick<ProcessSpec, 'command'>): Promise<ProcessSpec> {
    const dir = await this.dir();
    return {
      args: [],
      env: BASE_ENV,
      stdoutFile: join(dir, 'logs', 'out.log'),
      stderrFile: join(dir, 'logs', 'err.log'),
      ...extra,
    };
  }

  async spawn(spec: ProcessSpec): Promise<ProcessHandle> {
    const handle = await this.runtime.spawn(spec);
    this.track(handle.pid);
    return handle;
  }

  /** Marks a process group (a pid leading one) for `cleanup`. */
  track(pid: number): void {
    this.#groups.add(pid);
  }

  async output(spec: ProcessSpec): Promise<{ out: string; err: string }> {
    const [out, err] = await Promise.all([
      readFile(spec.stdoutFile, 'utf8'),
      readFile(spec.stderrFile, 'utf8'),
    ]);
    return { out, err };
  }

  async cleanup(): Promise<void> {
    for (const pid of this.#groups) {
      try {
        // A group id is not reused while any member lives, so this reaches only what the test started.
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    this.#groups.clear();
    this.#runtime?.close();
    this.#runtime = undefined;
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

/** One `Workloads` for a test file, cleaned up after every test. */
export function useWorkloads(): Workloads {
  const work = new Workloads();
  afterEach(async () => {
    await work.cleanup();
  });
  return work;
}
