// A workload flooding its stdout: what it costs the server, with the server's own idle figures
// from the same run as the reference.
//
//   npx tsc -b && node bench/log-flood.mjs [--rounds 3] [--seconds 10] [--max-size 10MB]
//                                          [--max-files 5] [--rate 50]
//
// Each round starts `codedance server` (the built CLI, its own process, a fresh data folder with
// logging.maxSize and logging.maxFiles set), waits for its memory to settle, then:
//   idle    /health is asked `--rate` times a second for 5 s: the latency reference;
//   flood   a service running `yes` for `--seconds` while /health is asked at the same pace;
//           the log folder's bytes (each rotated set: a raw stream, the journal, the server log)
//           and the server's RSS are sampled every 100 ms;
//   stop    POST /api/services/flood/stop, timed until it answers (the process is gone then);
//   after   the server's RSS once it has settled again.
// Goals: /health p99 < 250 ms during the flood, every rotated set within maxSize × (maxFiles + 1)
// at every sample, RSS after within 20 % of before, stop < 5 s. Prints a table of medians over
// rounds and writes every figure to bench/results/log-flood.json.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    'max-size': { type: 'string', default: '10MB' },
    'max-files': { type: 'string', default: '5' },
    rate: { type: 'string', default: '50' },
    out: { type: 'string', default: join(ROOT, 'bench/results/log-flood.json') },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const MAX_FILES = Number(values['max-files']);
const UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const sizeMatch = /^(\d+)\s*(B|KB|MB|GB)$/i.exec(values['max-size']);
if (!sizeMatch) throw new Error('--max-size: a size such as 10MB');
const MAX_SIZE = Number(sizeMatch[1]) * UNITS[sizeMatch[2].toUpperCase()];
const SET_BOUND = MAX_SIZE * (MAX_FILES + 1);
const CLI = join(ROOT, 'packages/cli/bin/codedance.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const median = (xs) => quantile(xs, 0.5);
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** RSS once it has stayed within 1 % for 8 s (read every second, 45 s at most). */
async function settledRss(pid) {
  const readings = [];
  const deadline = Date.now() + 45_000;
  for (;;) {
    readings.push(rssKb(pid));
    const window = readings.slice(-9);
    if (window.length === 9 && Math.max(...window) <= Math.min(...window) * 1.01) break;
    if (Date.now() > deadline) break;
    await sleep(1000);
  }
  return readings[readings.length - 1];
}

/** Bytes per rotated set under `dir`: `x.log`, `x.log.1`, … count as one. */
function setBytes(dir) {
  const sets = new Map();
  const walk = (folder) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        let size = 0;
        try {
          size = statSync(path).size;
        } catch {
          continue; // rotated away between the listing and the stat
        }
        const set = path.replace(/\.\d+$/, '');
        sets.set(set, (sets.get(set) ?? 0) + size);
      }
    }
  };
  walk(dir);
  return sets;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function request(url, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode, ms: performance.now() - started, text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Asks /health `RATE` times a second for `ms`, paced, and returns every latency (ms). */
async function paceHealth(url, ms, onTick = () => {}) {
  const latencies = [];
  let failures = 0;
  const pending = [];
  const end = Date.now() + ms;
  for (let next = Date.now(); next < end; next += 1000 / RATE) {
    await sleep(Math.max(0, next - Date.now()));
    onTick();
    pending.push(
      request(`${url}/health`).then(
        (answer) => {
          if (answer.status === 200) latencies.push(answer.ms);
          else failures++;
        },
        () => failures++,
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, failures };
}

async function startServer(dataDir) {
  const child = spawn(
    process.execPath,
    [CLI, 'server', '--json', '--port', '0', '--data', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C' },
    },
  );
  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        try {
          const event = JSON.parse(line);
          if (event.event === 'listening') resolve(event.url);
        } catch {
          // not a whole line yet
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return { child, url };
}

async function oneRound(index) {
  const dataDir = mkdtempSync(join(tmpdir(), 'codedance-bench-flood-'));
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({ logging: { maxSize: MAX_SIZE, maxFiles: MAX_FILES } }),
  );
  const { child, url } = await startServer(dataDir);
  const logs = join(dataDir, 'logs');
  try {
    await request(`${url}/api/services`); // first use of the routes, outside the figures
    const rssBefore = await settledRss(child.pid);
    const idle = await paceHealth(url, 5000);

    const created = await request(`${url}/api/services`, 'POST', { name: 'flood', command: 'yes' });
    if (created.status !== 201) throw new Error(`creating the service: ${created.text}`);
    let peakRss = 0;
    let peakSet = 0;
    let peakSetName = '';
    let peakTotal = 0;
    let overBound = 0;
    let samples = 0;
    let lastSample = 0;
    const sample = () => {
      if (Date.now() - lastSample < 100) return;
      lastSample = Date.now();
      samples++;
      peakRss = Math.max(peakRss, rssKb(child.pid));
      let total = 0;
      for (const [set, bytes] of setBytes(logs)) {
        total += bytes;
        if (bytes > peakSet) [peakSet, peakSetName] = [bytes, set.slice(logs.length + 1)];
        if (bytes > SET_BOUND) overBound++;
      }
      peakTotal = Math.max(peakTotal, total);
    };
    const flood = await paceHealth(url, SECONDS * 1000, sample);
    const { seq: firstSeq } = JSON.parse((await request(`${url}/api/logs?limit=1`)).text)
      .entries[0] ?? { seq: 0 };

    const stop = await request(`${url}/api/services/flood/stop`, 'POST');
    if (stop.status !== 200) throw new Error(`stopping: ${stop.text}`);
    sample();
    const rssAfter = await settledRss(child.pid);
    const setsAfter = setBytes(logs);
    const result = {
      round: index,
      rssBeforeMb: round(rssBefore / 1024),
      rssPeakMb: round(peakRss / 1024),
      rssAfterMb: round(rssAfter / 1024),
      idleHealth: {
        p50: round(median(idle.latencies), 2),
        p99: round(quantile(idle.latencies, 0.99), 2),
        max: round(Math.max(...idle.latencies), 2),
        failures: idle.failures,
      },
      floodHealth: {
        n: flood.latencies.length,
        p50: round(median(flood.latencies), 2),
        p99: round(quantile(flood.latencies, 0.99), 2),
        max: round(Math.max(...flood.latencies), 2),
        failures: flood.failures,
      },
      stopMs: round(stop.ms, 0),
      linesPerSecond: Math.round(firstSeq / SECONDS),
      peakSetMb: round(peakSet / 1024 ** 2, 2),
      peakSetName,
      peakTotalMb: round(peakTotal / 1024 ** 2, 2),
      setsAfter: setsAfter.size,
      samples,
      samplesOverBound: overBound,
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rounds = [];
for (let i = 1; i <= ROUNDS; i++) rounds.push(await oneRound(i));
agent.destroy();

const med = (pick) => median(rounds.map(pick));
const summary = {
  'health p50 idle (ms)': med((r) => r.idleHealth.p50),
  'health p99 idle (ms)': med((r) => r.idleHealth.p99),
  'health p50 during the flood (ms)': med((r) => r.floodHealth.p50),
  'health p99 during the flood (ms)': med((r) => r.floodHealth.p99),
  'health max during the flood (ms)': med((r) => r.floodHealth.max),
  'lines taken in per second': med((r) => r.linesPerSecond),
  'largest rotated set (MB)': med((r) => r.peakSetMb),
  'bound per set, maxSize × (maxFiles + 1) (MB)': round(SET_BOUND / 1024 ** 2, 2),
  'whole log folder at its largest (MB)': med((r) => r.peakTotalMb),
  'samples over the bound': rounds.reduce((sum, r) => sum + r.samplesOverBound, 0),
  'RSS before (MB)': med((r) => r.rssBeforeMb),
  'RSS peak (MB)': med((r) => r.rssPeakMb),
  'RSS after, settled (MB)': med((r) => r.rssAfterMb),
  'stop the flooding service (ms)': med((r) => r.stopMs),
};
const ratios = {
  'health p99 flood / 250 ms goal': round(summary['health p99 during the flood (ms)'] / 250, 3),
  'health p99 flood / idle p99': round(
    summary['health p99 during the flood (ms)'] / summary['health p99 idle (ms)'],
    2,
  ),
  'largest set / bound': round(
    summary['largest rotated set (MB)'] / summary['bound per set, maxSize × (maxFiles + 1) (MB)'],
    3,
  ),
  'RSS after / before (goal ≤ 1.2)': round(
    summary['RSS after, settled (MB)'] / summary['RSS before (MB)'],
    3,
  ),
  'stop / 5 s goal': round(summary['stop the flooding service (ms)'] / 5000, 3),
};
console.table(summary);
console.table(ratios);
writeFileSync(
  values.out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        memoryGb: round(totalmem() / 1024 ** 3),
        node: process.version,
      },
      settings: {
        rounds: ROUNDS,
        seconds: SECONDS,
        maxSize: MAX_SIZE,
        maxFiles: MAX_FILES,
        rate: RATE,
      },
      summary,
      ratios,
      rounds,
    },
    null,
    2,
  )}\n`,
);
console.log(`written to ${values.out}`);
