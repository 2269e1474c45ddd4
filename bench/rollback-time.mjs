// Time from a fault starting in a canary to all traffic back on the stable version.
//
//   npx tsc -b && node bench/rollback-time.mjs [--rounds 5] [--rate 50] [--weight 50]
//                                              [--error-rate 0.1] [--interval 2]
//
// A real Codedance server (built code, in this process, SQLite in a temporary folder) runs the
// bundled demo shop behind its router. Each round releases a new version that answers well at
// first and starts failing `--error-rate` of its requests at a known instant (DEMO_FAULT_AT),
// while a paced client sends `--rate` requests per second through the router. Measured:
//   detect   fault start → the release is ROLLED_BACK in the record (the judge decided and the
//            router switched)
//   client   fault start → the last answer the client got from the faulty version
// The reference is the analysis interval: a judge cannot decide faster than one look, so the
// ratio says how many looks the rollback took.
import http from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '50' },
    weight: { type: 'string', default: '50' },
    'error-rate': { type: 'string', default: '0.1' },
    interval: { type: 'string', default: '2' },
    out: { type: 'string', default: join(ROOT, 'bench/results/rollback-time.json') },
  },
});
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const WEIGHT = Number(values.weight);
const ERROR_RATE = Number(values['error-rate']);
const INTERVAL = Number(values.interval);

const { startServer } = await import(join(ROOT, 'packages/server/dist/index.js'));
const SHOP = join(ROOT, 'packages/server/demo/shop.mjs');

function freePort() {
  return new Promise((resolve) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dataDir = mkdtempSync(join(tmpdir(), 'codedance-bench-rollback-'));
const server = await startServer({ dataDir, stderr: false, flags: { server: { port: 0 } } });
const auth = { authorization: `Bearer ${readFileSync(server.credentialFile, 'utf8').trim()}` };
const api = async (path, method = 'GET', body) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined
      ? { headers: auth }
      : { headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
};
const until = async (id, statuses) => {
  for (;;) {
    const { body } = await api(`/api/deployments/${id}`);
    if (statuses.includes(body?.status)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
};

// Wait until the server's controllers have started.
for (;;) {
  const { status } = await api('/api/apps');
  if (status === 200) break;
  await new Promise((r) => setTimeout(r, 100));
}

const port = await freePort();
const manifest = {
  apiVersion: 'deploy.codedance.io/v1alpha1',
  kind: 'App',
  metadata: { name: 'bench', namespace: 'bench' },
  spec: {
    port,
    instances: 2,
    run: { command: process.execPath, args: [SHOP] },
    readiness: { type: 'http', path: '/healthz' },
    strategy: { type: 'CANARY', canary: { steps: [{ weight: WEIGHT, pause: '10m' }] } },
    analysis: { interval: `${INTERVAL}s`, minRequests: 20, failureLimit: 0, latencyP99: '1s' },
    keepPrevious: '0s',
  },
};
const results = [];
try {
  const applied = await api('/api/apply', 'POST', manifest);
  if (applied.status !== 201) throw new Error(JSON.stringify(applied.body));
  const first = await api('/api/deployments', 'POST', {
    app: 'bench',
    namespace: 'bench',
    version: 'v0',
  });
  await until(first.body.id, ['COMPLETED']);

  // Paced load through the router, remembering when each version last answered.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const lastAnswer = new Map();
  let failedRequests = 0;
  const timer = setInterval(() => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          try {
            lastAnswer.set(JSON.parse(text).version, Date.now());
          } catch {
            failedRequests += 1;
          }
        });
      })
      .on('error', () => (failedRequests += 1));
  }, 1000 / RATE);

  for (let round = 1; round <= ROUNDS; round += 1) {
    const version = `v${round}`;
    const faultAt = Date.now() + 6000;
    const started = await api('/api/deployments', 'POST', {
      app: 'bench',
      namespace: 'bench',
      version,
      run: {
        command: process.execPath,
        args: [SHOP],
        env: { DEMO_ERROR_RATE: String(ERROR_RATE), DEMO_FAULT_AT: String(faultAt) },
      },
    });
    if (started.status !== 201) throw new Error(JSON.stringify(started.body));
    const ended = await until(started.body.id, ['ROLLED_BACK', 'FAILED', 'COMPLETED']);
    if (ended.status !== 'ROLLED_BACK')
      throw new Error(`round ${round}: ${ended.status} ${ended.reason}`);
    if (Date.parse(ended.endTime) < faultAt)
      throw new Error(`round ${round}: rolled back before the fault: ${ended.reason}`);
    await new Promise((r) => setTimeout(r, 1500));
    const detect = Date.parse(ended.endTime) - faultAt;
    const client = (lastAnswer.get(version) ?? faultAt) - faultAt;
    results.push({ round, detectMs: detect, clientMs: client, reason: ended.reason });
    console.log(
      `round ${round}: detected and switched after ${(detect / 1000).toFixed(2)} s; last faulty answer ${(client / 1000).toFixed(2)} s after the fault — ${ended.reason}`,
    );
  }
  clearInterval(timer);
  agent.destroy();
  const detect = median(results.map((r) => r.detectMs));
  const client = median(results.map((r) => r.clientMs));
  console.log('');
  console.log(
    `| figure (median of ${ROUNDS}) | seconds | ratio to the ${INTERVAL} s analysis interval |`,
  );
  console.log('| --- | --- | --- |');
  console.log(
    `| fault → ROLLED_BACK (router on stable) | ${(detect / 1000).toFixed(2)} | ${(detect / 1000 / INTERVAL).toFixed(2)}× |`,
  );
  console.log(
    `| fault → last answer from the faulty version | ${(client / 1000).toFixed(2)} | ${(client / 1000 / INTERVAL).toFixed(2)}× |`,
  );
  console.log(
    `requests that failed outright (connection errors, router errors): ${failedRequests}`,
  );
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        options: {
          rounds: ROUNDS,
          rate: RATE,
          weight: WEIGHT,
          errorRate: ERROR_RATE,
          intervalSeconds: INTERVAL,
        },
        medians: { detectMs: detect, clientMs: client },
        failedRequests,
        rounds: results,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await api('/api/apps/bench/bench', 'DELETE').catch(() => undefined);
  await server.close('bench over');
  rmSync(dataDir, { recursive: true, force: true });
}
