import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LeaseGrant } from '../types.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Other processes load the built store, as a second server would. */
const BUILT_STORE = join(here, '../../../dist/store/index.js');

/**
 * Another process with a store on the same data, contending for a lease
 * (see lease-contender.js). Every answer is awaited with a deadline.
 */
export class Contender {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];
  readonly #exited: Promise<void>;

  constructor(
    url: string,
    lease: string,
    readonly holder: string,
    ttlMs: number,
  ) {
    this.#child = spawn(process.execPath, [join(here, 'lease-contender.js')], {
      env: {
        ...process.env,
        STORE_MODULE: BUILT_STORE,
        STORE_URL: url,
        LEASE: lease,
        HOLDER: holder,
        TTL_MS: String(ttlMs),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    // A contender refused by the store exits at once; what is written to it then is moot.
    this.#child.stdin?.on('error', () => undefined);
    this.#exited = new Promise((resolve) => {
      this.#child.once('close', () => {
        resolve();
      });
    });
    if (!this.#child.stdout) throw new Error('contender has no stdout');
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
  }

  /** Resolves once the store opened (true), or was refused (false, with the code). */
  async opened(): Promise<{ open: boolean; code?: string }> {
    return JSON.parse(await this.#next()) as { open: boolean; code?: string };
  }

  async acquire(): Promise<LeaseGrant> {
    this.#child.stdin?.write('acquire\n');
    const answer = JSON.parse(await this.#next()) as LeaseGrant | { error: string };
    if ('error' in answer) throw new Error(`${this.holder} could not acquire: ${answer.error}`);
    return answer;
  }

  /** Closes its store and waits for the process to end. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.stdin?.end('close\n');
    }
    await this.#exited;
  }

  /** Kills it outright, as a crash would: nothing is released or closed. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  #next(timeoutMs = 20_000): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        this.#child.off('close', onExit);
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${this.holder} ${reason}`));
      };
      const timer = setTimeout(() => {
        fail(`did not answer within ${timeoutMs} ms`);
      }, timeoutMs);
      const onExit = () => {
        fail('exited without answering');
      };
      const waiter = (next: string) => {
        clearTimeout(timer);
        this.#child.off('close', onExit);
        resolve(next);
      };
      this.#child.once('close', onExit);
      this.#waiters.push(waiter);
    });
  }
}
