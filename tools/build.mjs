// Builds every package and the dashboard, saying what it is doing: a first build on a fresh
// clone takes a few minutes, and a silent terminal looks like a hung one.
import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';

const started = Date.now();
const seconds = (from) => `${((Date.now() - from) / 1000).toFixed(0)} s`;

/** Runs a command, handing each output line to `onLine`; rejects on a non-zero exit. */
function run(command, args, onLine) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    const take = (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (rest) onLine(rest);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
    });
  });
}

let step = Date.now();
let current = null;
const finishStep = () => {
  if (current) console.log(`  ${current} built in ${seconds(step)}`);
  current = null;
};

console.log('Building Codedance (a first build takes a few minutes)');
const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
// `tsc -b --verbose` names each project as it starts; everything else it says is kept for errors.
const problems = [];
await run(process.execPath, [tsc, '-b', '--verbose'], (line) => {
  const building = /Building project '(.+?)'/.exec(line);
  if (building) {
    finishStep();
    current = basename(dirname(building[1]));
    step = Date.now();
    console.log(`▸ compiling ${current}…`);
  } else if (/error TS\d+/.test(line) || (problems.length > 0 && line.startsWith(' '))) {
    problems.push(line);
  }
}).catch((error) => {
  for (const line of problems) console.error(line);
  console.error(error.message);
  process.exit(1);
});
finishStep();

step = Date.now();
console.log('▸ bundling the dashboard…');
const output = [];
await run('npm', ['run', 'build', '-w', 'packages/web', '--silent'], (line) =>
  output.push(line),
).catch((error) => {
  for (const line of output) console.error(line);
  console.error(error.message);
  process.exit(1);
});
console.log(`  dashboard bundled in ${seconds(step)}`);
console.log(`Built in ${seconds(started)}`);
