// A live-tail client process (`pm2 logs --raw`, or the WebSocket tail for
// Codedance) whose output is counted as it arrives.
import { spawn } from 'node:child_process';
import { killGroup, onCleanup } from '../cleanup.mjs';
import { StreamLineCounter } from '../measure/log-count.mjs';

export class TailProcess {
  stderr = '';

  constructor(command, args, env, expected) {
    this.counter = new StreamLineCounter(expected);
    this.child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.once('close', resolve));
    this.child.stdout.on('data', (chunk) => this.counter.push(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text) => (this.stderr += text));
    this.forget = onCleanup(`stop tail ${args.join(' ')}`, () => this.stop());
  }

  /** Lines the server said it skipped because this reader was too slow. */
  get dropped() {
    let total = 0;
    for (const match of this.stderr.matchAll(/^dropped (\d+)$/gm)) total += Number(match[1]);
    return total;
  }

  async stop() {
    this.forget();
    killGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
