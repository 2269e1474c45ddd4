// Codedance router vs nginx as a weighted (90/10) reverse proxy, on this machine.
//
//   npx tsc -b && node bench/router-vs-nginx.mjs [--workers 1] [--duration 10] [--rounds 3]
//                                                [--connections 64] [--paced-seconds 5]
//
// Backends: one nginx (2 workers) answering `return 200` on two ports, so the
// backends are never the bottleneck and cost the same for both proxies.
// Proxies under test, with the same number of worker processes (--workers):
// nginx with `worker_processes N` (weight=9 / weight=1 upstreams, keepalive)
// and the router with `--workers N` (N processes that all accept on the one
// listening socket: the leader and the N - 1 followers it starts). Load:
// wrk -t2 -cN -dDs --latency, rounds interleaved (direct, nginx, router) and
// medians reported. CPU per request is the CPU time of the whole proxy (nginx
// master and workers, router leader and followers) from /proc/<pid>/stat over
// the requests wrk completed. The added
// latency at a fixed 1,000 req/s uses a paced Node load generator with
// keep-alive (Debian's wrk has no -R).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'packages/router/bin/codedance-router.js');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    'paced-seconds': { type: 'string', default: '5' },
    workers: { type: 'string', default: '1' },
  },
});
const DURATION = Number(values.duration);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const PACED_SECONDS = Number(values['paced-seconds']);
const WORKERS = Number(values.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 1) {
  console.error(`--workers needs a whole number ≥ 1, got ${values.workers}`);
  process.exit(1);
}

for (const tool of ['wrk', 'nginx']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is missing: install it with  apt-get install -y nginx wrk`);
    process.exit(1);
  }
}
if (!existsSync(MAIN)) {
  console.error(`${MAIN} is missing: run  npx tsc -b  first`);
  process.exit(1);
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const ownTicks = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const childrenOf = (pid) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map(Number);
/** CPU ticks of a proxy: the process and its direct children (workers), by pid. */
const cpuTicks = (pid) => {
  const ticks = new Map([[pid, ownTicks(pid)]]);
  for (const child of childrenOf(pid)) ticks.set(child, ownTicks(child));
  return ticks;
};
/** Ticks used between two readings, over the processes alive at both. */
const ticksUsed = (before, after) => {
  let used = 0;
  for (const [pid, ticks] of after) used += ticks - (before.get(pid) ?? ticks);
  return used;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function waitForPort(port, deadlineMs = 10_000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const work = mkdtempSync(join(tmpdir(), 'cd-router-bench-'));
const children = [];
function startNginx(name, workers, body) {
  const prefix = join(work, name);
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off; master_process on; worker_processes ${workers}; pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
  ${body}
}
`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', `${prefix}/`], { stdio: 'ignore' });
  children.push(child);
  return child;
}

async function waitForWorkers(pid, count) {
  const deadline = Date.now() + 10_000;
  while (childrenOf(pid).length < count) {
    if (Date.now() > deadline) throw new Error(`${pid} did not start ${count} workers`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function controlPut(socketPath, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path, method: 'PUT', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(text)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function parseLatency(text, label) {
  const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!match) return NaN;
  const factor = { us: 0.001, ms: 1, s: 1000 }[match[2]];
  return Number(match[1]) * factor;
}

function runWrk(port, pid) {
  const before = pid ? cpuTicks(pid) : null;
  const out = execFileSync(
    'wrk',
    ['-t2', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  const after = pid ? cpuTicks(pid) : null;
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: (.*)/.exec(out);
  return {
    rps,
    requests,
    p50: parseLatency(out, '50%'),
    p99: parseLatency(out, '99%'),
    cpuUsPerRequest: pid ? ((ticksUsed(before, after) / CLK_TCK) * 1e6) / requests : null,
    non2xx: errors ? Number(errors[1]) : 0,
    socketErrors: socketErrors ? socketErrors[1] : null,
  };
}

/** Sends `rate` req/s for `seconds` over keep-alive; returns latencies (ms). */
async function paced(port, rate, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  let failures = 0;
  const total = rate * seconds;
  const start = performance.now();
  let sent = 0;
  await new Promise((resolve) => {
    let done = 0;
    const fire = () => {
      const t0 = performance.now();
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if (++done === total) resolve();
        });
      });
      req.on('error', () => {
        failures++;
        if (++done === total) resolve();
      });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) {
        sent++;
        fire();
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  return { p50: median(latencies), failures };
}

async function main() {
  const [b1, b2, nginxPort, routerPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  startNginx(
    'backends',
    2,
    `server { listen 127.0.0.1:${b1}; location / { return 200 "stable\\n"; } }
  server { listen 127.0.0.1:${b2}; location / { return 200 "canary\\n"; } }`,
  );
  const proxyMaster = startNginx(
    'proxy',
    WORKERS,
    `upstream app { server 127.0.0.1:${b1} weight=9; server 127.0.0.1:${b2} weight=1; keepalive 128; }
  server { listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Proto $scheme; proxy_buffering off; } }`,
  );
  const socket = join(work, 'control.sock');
  const router = spawn(
    process.execPath,
    [
      MAIN,
      '--listen',
      `127.0.0.1:${routerPort}`,
      '--control',
      socket,
      '--workers',
      String(WORKERS),
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(router);
  await Promise.all([
    waitForPort(b1),
    waitForPort(b2),
    waitForPort(nginxPort),
    waitForPort(routerPort),
  ]);
  // The control socket comes up just after the traffic port.
  const controlDeadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > controlDeadline) throw new Error('router control socket did not appear');
    await new Promise((r) => setTimeout(r, 25));
  }
  await controlPut(socket, '/routes', {
    versions: [
      { version: 'stable', weight: 90, backends: [`127.0.0.1:${b1}`] },
      { version: 'canary', weight: 10, backends: [`127.0.0.1:${b2}`] },
    ],
  });
  await waitForWorkers(proxyMaster.pid, WORKERS);
  if (WORKERS > 1) await waitForWorkers(router.pid, WORKERS - 1);
  const targets = [
    { name: 'direct', port: b1, pid: null },
    { name: 'nginx', port: nginxPort, pid: proxyMaster.pid },
    { name: 'router', port: routerPort, pid: router.pid },
  ];

  // Warm-up: JIT, keep-alive pools.
  for (const t of targets) await paced(t.port, 1000, 1);

  const throughput = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      const result = runWrk(t.port, t.pid);
      throughput[t.name].push(result);
      console.error(
        `round ${round + 1} ${t.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, cpu/req ${result.cpuUsPerRequest?.toFixed(1) ?? '-'} µs`,
      );
    }
  }
  const pacedRuns = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      const result = await paced(t.port, 1000, PACED_SECONDS);
      pacedRuns[t.name].push(result);
      console.error(
        `paced round ${round + 1} ${t.name}: p50 ${result.p50.toFixed(3)} ms, failures ${result.failures}`,
      );
    }
  }

  const summary = {};
  for (const t of targets) {
    const runs = throughput[t.name];
    summary[t.name] = {
      rps: median(runs.map((r) => r.rps)),
      p50Ms: median(runs.map((r) => r.p50)),
      p99Ms: median(runs.map((r) => r.p99)),
      cpuUsPerRequest: t.pid ? median(runs.map((r) => r.cpuUsPerRequest)) : null,
      pacedP50Ms: median(pacedRuns[t.name].map((r) => r.p50)),
      non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
      pacedFailures: pacedRuns[t.name].reduce((a, r) => a + r.failures, 0),
    };
  }
  for (const name of ['nginx', 'router']) {
    summary[name].addedP50MsAt1000 = summary[name].pacedP50Ms - summary.direct.pacedP50Ms;
  }
  // Rounds are interleaved, so each round's own ratio cancels most of the
  // drift of a shared machine; their median is reported next to the ratio of medians.
  const perRound = (field) =>
    median(throughput.router.map((r, i) => r[field] / throughput.nginx[i][field]));
  const ratios = {
    throughput: summary.router.rps / summary.nginx.rps,
    cpuPerRequest: summary.router.cpuUsPerRequest / summary.nginx.cpuUsPerRequest,
    perRound: { throughput: perRound('rps'), cpuPerRequest: perRound('cpuUsPerRequest') },
  };
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    nginx: spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim(),
    settings: {
      workers: WORKERS,
      cpus: availableParallelism(),
      wrk: `-t2 -c${CONNECTIONS} -d${DURATION}s --latency`,
      rounds: ROUNDS,
      pacedRate: 1000,
      pacedSeconds: PACED_SECONDS,
    },
    summary,
    ratios,
    runs: { throughput, paced: pacedRuns },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    join(ROOT, `bench/results/router-vs-nginx${WORKERS === 1 ? '' : `-${WORKERS}-workers`}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );

  const f = (x, d = 0) => (x === null || x === undefined ? '–' : x.toFixed(d));
  console.log(
    `| target | req/s | p50 (ms) | p99 (ms) | CPU µs/req (proxy) | p50 at 1,000 req/s (ms) | added p50 (ms) |`,
  );
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const t of targets) {
    const s = summary[t.name];
    console.log(
      `| ${t.name} | ${f(s.rps)} | ${f(s.p50Ms, 2)} | ${f(s.p99Ms, 2)} | ${f(s.cpuUsPerRequest, 1)} | ${f(s.pacedP50Ms, 3)} | ${f(s.addedP50MsAt1000, 3)} |`,
    );
  }
  console.log(
    `\n${WORKERS} worker${WORKERS === 1 ? '' : 's'} each. router/nginx: throughput ${ratios.throughput.toFixed(2)}× (target ≥ 0.6×), CPU per request ${ratios.cpuPerRequest.toFixed(2)}× (target ≤ 3×), added p50 at 1,000 req/s ${summary.router.addedP50MsAt1000.toFixed(3)} ms (target ≤ 0.5 ms)` +
      `\nmedian of per-round ratios: throughput ${ratios.perRound.throughput.toFixed(2)}×, CPU per request ${ratios.perRound.cpuPerRequest.toFixed(2)}×`,
  );
}

function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
try {
  await main();
} finally {
  cleanup();
}
