import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/**
 * Child processes a test starts and must stop. Each carries a unique marker
 * in its argv so a test can find it in /proc, and each ends by itself after
 * a while in case the test runner dies before cleaning up.
 */
export class OwnedChildren {
  readonly #children: ChildProcess[] = [];

  /** A Node process that sleeps (or, with `burn`, spins one core) for `seconds`. */
  node(options: { burn?: boolean; seconds?: number; extraArgs?: string[] } = {}): {
    child: ChildProcess;
    marker: string;
  } {
    const marker = `cd-test-marker-${randomUUID()}`;
    const seconds = options.seconds ?? 30;
    const script = options.burn
      ? `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`
      : `setTimeout(() => {}, ${seconds * 1000})`;
    const child = spawn(process.execPath, ['-e', script, marker, ...(options.extraArgs ?? [])], {
      stdio: 'ignore',
    });
    this.#children.push(child);
    return { child, marker };
  }

  /** `sh -c script` in its own process group, so the whole tree can be killed at once. */
  shell(script: string): ChildProcess {
    const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
    this.#children.push(child);
    return child;
  }

  /** Kills every child (and each shell's process group) and waits for them to be reaped. */
  async killAll(): Promise<void> {
    await Promise.all(
      this.#children.splice(0).map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        try {
          if (child.spawnargs[0] === 'sh') process.kill(-child.pid, 'SIGKILL');
          else child.kill('SIGKILL');
        } catch {
          // already gone between the check and the kill
        }
        await exited;
      }),
    );
  }
}

/** Polls `probe` until it returns a value, failing after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
