// Plays a server that dies after starting a workload: it starts a Node
// process that sleeps for argv[2] seconds (30 by default) in its own process
// group, prints `pid startTicks` as a server would store them, and exits.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { argv, execPath, stdout } from 'node:process';

const seconds = Number(argv[2] ?? '30');
const child = spawn(execPath, ['-e', `setTimeout(() => {}, ${seconds * 1000})`], {
  detached: true,
  stdio: 'ignore',
});
child.once('spawn', () => {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // Field 22 (starttime), counted after the name's closing parenthesis.
  const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  stdout.write(`${child.pid} ${startTicks}\n`);
  child.unref();
});
