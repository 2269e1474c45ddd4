// Gentle, steady load for the demo: DEMO_RATE requests per second (default 25) to DEMO_TARGET,
// over a few keep-alive connections. Prints a summary line every 10 seconds.
import http from 'node:http';

const target = new URL(process.env.DEMO_TARGET ?? 'http://127.0.0.1:8180/');
const rate = Number(process.env.DEMO_RATE ?? 25);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const counts = { sent: 0, ok: 0, failed: 0, unreachable: 0 };

function fire() {
  counts.sent += 1;
  const req = http.get(target, { agent, timeout: 5000 }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode !== undefined && res.statusCode < 500) counts.ok += 1;
      else counts.failed += 1;
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => {
    counts.unreachable += 1;
  });
}

setInterval(fire, 1000 / rate);
setInterval(() => {
  console.log(`load: ${JSON.stringify(counts)}`);
}, 10_000);
process.on('SIGTERM', () => process.exit(0));
