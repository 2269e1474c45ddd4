// The demo service: a small HTTP shop front. Its behaviour comes from the environment, so one
// file plays a healthy release and a faulty one:
//   PORT                 where to listen (set by Codedance for each instance)
//   CODEDANCE_VERSION    shown in every answer
//   DEMO_ERROR_RATE      share of requests answered 500 (0 to 1; default 0)
//   DEMO_LATENCY_MS      extra time before each answer (default 0)
//   DEMO_FAULT_AT        epoch ms from which the two above apply (default: from the start)
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const version = process.env.CODEDANCE_VERSION ?? 'dev';
const errorRate = Number(process.env.DEMO_ERROR_RATE ?? 0);
const latency = Number(process.env.DEMO_LATENCY_MS ?? 0);
const faultAt = Number(process.env.DEMO_FAULT_AT ?? 0);

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  const faulty = Date.now() >= faultAt;
  const answer = () => {
    const fail = faulty && Math.random() < errorRate;
    res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ version, ok: !fail, item: Math.floor(Math.random() * 1000) }));
  };
  // A little natural jitter, plus whatever the version adds.
  setTimeout(answer, 1 + Math.random() * 4 + (faulty ? latency * (0.5 + Math.random()) : 0));
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`shop ${version} listening on ${port}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});
