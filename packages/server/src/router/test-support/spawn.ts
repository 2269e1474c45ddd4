import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN_JS = fileURLToPath(new URL('../../../dist/router/main.js', import.meta.url));

export interface RouterChild {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

/** Starts the built router and resolves once it prints its ready line. */
export function spawnRouter(args: string[]): Promise<RouterChild> {
  const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`router did not become ready: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { listen: string };
      resolve({ child, port: Number(ready.listen.split(':').at(-1)), exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`router exited with ${code}: ${stderr}`));
    });
  });
}
