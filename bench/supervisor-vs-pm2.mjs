#!/usr/bin/env node
// Codedance's process supervisor against PM2, on this machine, in one run.
//
//   npx tsc -b && node bench/supervisor-vs-pm2.mjs [--rounds 3] [--services 20]
//
// Rounds alternate (Codedance, PM2, Codedance, …), each from a fresh
// supervisor to a full stop; every figure is the median over rounds. See
// docs/benchmarks.md for what is measured and how to read it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanupAll, killMarked, ownFolder } from './supervisor/cleanup.mjs';
import { freePortBlock, isFree } from './supervisor/measure/http.mjs';
import { until } from './supervisor/measure/wait.mjs';
import { summarize, table } from './supervisor/report.mjs';
import { measureRound } from './supervisor/round.mjs';
import { Codedance } from './supervisor/drivers/codedance.mjs';
import { installPm2, Pm2 } from './supervisor/drivers/pm2.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const fixtures = join(here, 'supervisor', 'fixtures');

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    services: { type: 'string', default: '20' },
    lines: { type: 'string', default: '200000' },
    kills: { type: 'string', default: '5' },
    'list-runs': { type: 'string', default: '10' },
    out: { type: 'string', default: join(here, 'results', 'supervisor-vs-pm2.json') },
    'pm2-dir': { type: 'string', default: join(os.tmpdir(), 'codedance-bench-pm2') },
    only: { type: 'string' },
  },
});

function wholeNumber(name, min) {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number ≥ ${min}`);
    process.exit(2);
  }
  return value;
}

const plan = {
  rounds: wholeNumber('rounds', 1),
  services: wholeNumber('services', 1),
  lines: wholeNumber('lines', 1),
  kills: wholeNumber('kills', 1),
  listRuns: wholeNumber('list-runs', 1),
};

const SUPERVISORS = flags.only === undefined ? ['codedance', 'pm2'] : [flags.only];
if (!SUPERVISORS.every((key) => key === 'codedance' || key === 'pm2')) {
  console.error('--only must be codedance or pm2');
  process.exit(2);
}

const log = (line) => console.log(line);

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** JSON as the repository's Prettier would write it (the format check covers bench/), else plain. */
async function asJson(value, path) {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(text, { ...options, parser: 'json' });
  } catch {
    return text;
  }
}

async function main() {
  if (SUPERVISORS.includes('codedance') && !existsSync(join(root, 'packages/cli/dist/main.js'))) {
    throw new Error('Codedance is not built: run `npx tsc -b` at the repository root first.');
  }
  const pm2 = await installPm2(flags['pm2-dir']);
  const scratch = ownFolder(await mkdtemp(join(os.tmpdir(), 'supervisor-bench-')));
  // N ports for the services every round measures, N more for the step to 2N services.
  const base = await freePortBlock(2 * plan.services);
  const ports = Array.from({ length: plan.services }, (_, i) => base + i);
  const extraPorts = ports.map((port) => port + plan.services);
  log(`PM2 ${pm2.version}; ports ${base}–${base + 2 * plan.services - 1}; scratch ${scratch}`);

  const rounds = [];
  for (let round = 1; round <= plan.rounds; round += 1) {
    for (const key of SUPERVISORS) {
      const folder = join(scratch, `round-${round}-${key}`);
      await mkdir(folder, { recursive: true });
      const sup =
        key === 'codedance'
          ? new Codedance({ root, folder, fixtures })
          : new Pm2({ cli: pm2.cli, folder, fixtures });
      log(`round ${round}/${plan.rounds}: ${sup.label}`);
      try {
        const result = await measureRound(sup, {
          ports,
          extraPorts,
          lines: plan.lines,
          kills: plan.kills,
          listRuns: plan.listRuns,
          log,
        });
        rounds.push({ round, ...result });
      } catch (error) {
        if (sup.diagnostics) error.message += `\n--- ${sup.label} output ---\n${sup.diagnostics()}`;
        throw error;
      } finally {
        await sup
          .shutdown()
          .catch((error) => log(`  warning: stopping ${sup.label} failed: ${error.message}`));
      }
      // The next round needs every port back: a service left running is a harness or supervisor bug.
      const leftovers = await killMarked();
      if (leftovers.length > 0)
        log(
          `  warning: killed ${leftovers.length} processes ${sup.label} left running: ${leftovers.join(', ')}`,
        );
      await until(
        async () => (await Promise.all([...ports, ...extraPorts].map(isFree))).every(Boolean),
        {
          timeoutMs: 15_000,
          what: 'the service ports to be free again',
        },
      );
    }
  }

  const summary = summarize(rounds, plan.services);
  const dirty = git('status', '--porcelain')?.length ? '+changes' : '';
  const document = {
    command:
      `node ${relative(root, join(here, 'supervisor-vs-pm2.mjs'))} ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      date: new Date().toISOString(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.type()} ${os.release()}`,
      node: process.version,
      pm2: pm2.version,
      codedance: `${git('rev-parse', '--short', 'HEAD') ?? 'unknown'}${dirty}`,
    },
    plan: { ...plan, services: plan.services },
    summary,
    rounds,
  };
  await mkdir(dirname(flags.out), { recursive: true });
  await writeFile(flags.out, await asJson(document, flags.out));

  log('');
  log(table(summary));
  log('');
  log(
    `${plan.rounds} rounds, ${plan.services} services, ${plan.lines} log lines; PM2 ${pm2.version}, Node ${process.version}, ${os.cpus().length} CPUs`,
  );
  log(`results: ${relative(process.cwd(), flags.out)}`);
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error('\ninterrupted: stopping supervisors and services …');
  cleanupAll().finally(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
