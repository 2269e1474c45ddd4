// One round of every measurement against one supervisor, from a fresh start
// to a full stop. Both supervisors go through exactly this code, so services
// are judged ready, restarted and counted the same way for each.
import { run } from './cleanup.mjs';
import { answered, isFree, probe } from './measure/http.mjs';
import { FileLineCounter } from './measure/log-count.mjs';
import { isAlive, processTree, totalCpuSeconds, totalRss } from './measure/proc.mjs';
import { median } from './measure/stats.mjs';
import { cpuRate, epochNow, now, quiet, settled, until } from './measure/wait.mjs';

const MB = 1024 * 1024;
/** How long the CPU use of an idle supervisor is averaged over. */
const IDLE_WINDOW_MS = 5000;
const percent = (rate) => `${(rate * 100).toFixed(1)} % of a core`;

/**
 * @param {object} sup a driver: Codedance or Pm2 from ./drivers
 * @param {{ ports: number[], extraPorts: number[], lines: number, kills: number, listRuns: number, log: (s: string) => void }} plan
 */
export async function measureRound(sup, plan) {
  const { log } = plan;
  const result = { supervisor: sup.key };
  const services = plan.ports.map((port, i) => ({
    name: `svc-${String(i).padStart(2, '0')}`,
    port,
  }));

  await sup.boot();
  const pids = sup.supervisorPids();
  result.supervisorPids = pids;
  const memory = () => totalRss(pids);
  const cpu = () => totalCpuSeconds(pids);

  const rss0 = await settled(memory);
  result.rss0 = { mb: rss0.value / MB, settled: rss0.settled };
  result.idleCpu0 = await cpuRate(cpu, IDLE_WINDOW_MS);
  log(`  no services: RSS ${result.rss0.mb.toFixed(1)} MB, CPU ${percent(result.idleCpu0)}`);

  result.start = await startAll(sup, services);
  log(
    `  ${services.length} services answering after ${result.start.ms.toFixed(0)} ms` +
      ` (the start request itself: ${result.start.commandMs.toFixed(0)} ms)`,
  );

  const rssN = await settled(memory);
  result.rssN = { mb: rssN.value / MB, settled: rssN.settled };
  const servicePids = [...(await sup.instances()).values()].map((i) => i.pid);
  result.serviceRssMb = servicePids.map((pid) => totalRss(processTree(pid)) / MB);
  result.idleCpuN = await cpuRate(cpu, IDLE_WINDOW_MS);
  log(
    `  ${services.length} idle services: RSS ${result.rssN.mb.toFixed(1)} MB, CPU ${percent(result.idleCpuN)}`,
  );

  result.marginal = await marginalMemory(sup, plan.extraPorts, memory);
  log(
    `  ${plan.extraPorts.length} more services: RSS ${result.marginal.mb.toFixed(1)} MB,` +
      ` ${((result.marginal.mb - result.rssN.mb) / plan.extraPorts.length).toFixed(2)} MB per instance`,
  );

  result.restart = await restarts(sup, services, plan.kills);
  log(`  restart: ${result.restart.ms.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  result.list = await listing(sup, services.length, plan.listRuns);
  log(
    `  list: CLI ${result.list.cliMs.toFixed(0)} ms` +
      (result.list.httpMs === null ? '' : `, HTTP ${result.list.httpMs.toFixed(1)} ms`),
  );

  // The bursts run with no other service, so the supervisor's CPU is the
  // burst's alone and not mixed with what it spends on idle services.
  result.deleteAll = await deleteAll(sup, plan.ports, pids);
  log(
    `  delete all: ${result.deleteAll.ms.toFixed(0)} ms, CPU ${result.deleteAll.cpuSeconds.toFixed(2)} s`,
  );
  result.burst = {};
  for (const withTail of [false, true]) {
    const key = withTail ? 'tail' : 'plain';
    result.burst[key] = await logBurst(sup, pids, {
      name: `burst-${key}`,
      lines: plan.lines,
      withTail,
    });
    const b = result.burst[key];
    log(
      `  log burst${withTail ? ' (tail)' : ''}: file ${b.fileMs.toFixed(0)} ms, CPU ${b.cpuSeconds.toFixed(2)} s` +
        (withTail
          ? `, tail ${b.tail.delivered} lines${b.tail.ms === null ? '' : ` in ${b.tail.ms.toFixed(0)} ms`}`
          : ''),
    );
  }
  return result;
}

/** Starts every service and times it until every port answers 200. */
async function startAll(sup, services) {
  const started = now();
  const stop = new AbortController();
  const answers = Promise.all(
    services.map(({ port }) =>
      answered(port, { everyMs: 10, timeoutMs: 60_000, signal: stop.signal }),
    ),
  );
  let commandMs;
  try {
    await sup.startServices(services);
    commandMs = now() - started;
    await answers;
  } catch (error) {
    stop.abort();
    answers.catch(() => {});
    throw error;
  }
  const ms = Math.max(...(await answers)) - started;
  // Not timed: the supervisor must also know each service as online, with the pid that answers.
  const listed = await until(
    async () => {
      const instances = await sup.instances();
      return (
        services.every(({ name }) => instances.get(name)?.online && instances.get(name)?.pid) &&
        instances
      );
    },
    { everyMs: 100, timeoutMs: 60_000, what: `${sup.label} to list every service online` },
  );
  for (const { name, port } of services) {
    const answer = await probe(port);
    if (answer?.body !== String(listed.get(name).pid)) {
      throw new Error(
        `${sup.label} lists pid ${listed.get(name).pid} for ${name}, but pid ${answer?.body} answers on ${port}`,
      );
    }
  }
  return { ms, commandMs };
}

/**
 * The supervisor's memory once it runs as many services again: what one more
 * instance costs when every code path has already been used, unlike the step
 * from no services, which also pays for loading and compiling that code. The
 * extra services are deleted again, one by one, before the round goes on.
 */
async function marginalMemory(sup, ports, memory) {
  const extra = ports.map((port, i) => ({ name: `extra-${String(i).padStart(2, '0')}`, port }));
  await startAll(sup, extra);
  const rss = await settled(memory);
  for (const { name } of extra) await sup.remove(name);
  await until(async () => (await Promise.all(ports.map(isFree))).every(Boolean), {
    everyMs: 50,
    timeoutMs: 30_000,
    what: `${sup.label} to stop the extra services`,
  });
  return { mb: rss.value / MB, settled: rss.settled };
}

/**
 * SIGKILLs one service's process at a time (a different service each time,
 * so no restart backoff carries over) and times until a new process answers.
 */
async function restarts(sup, services, kills) {
  const ms = [];
  for (let k = 0; k < kills; k += 1) {
    const { name, port } = services[k % services.length];
    const before = (await sup.instances()).get(name);
    const answer = await probe(port);
    if (answer?.body !== String(before.pid))
      throw new Error(`${name}: pid ${before.pid} is not the one answering`);
    const killed = now();
    process.kill(before.pid, 'SIGKILL');
    const back = await answered(port, {
      everyMs: 5,
      timeoutMs: 60_000,
      accept: (body) => body !== String(before.pid),
    });
    ms.push(back - killed);
    // Not timed: the supervisor has noticed the restart and shows the new process online.
    await until(
      async () => {
        const after = (await sup.instances()).get(name);
        return after.online && after.pid !== before.pid && after.restarts > before.restarts;
      },
      { everyMs: 50, timeoutMs: 30_000, what: `${sup.label} to show ${name} online again` },
    );
    if (isAlive(before.pid)) throw new Error(`${name}: killed pid ${before.pid} is still alive`);
  }
  return { ms, medianMs: median(ms) };
}

/**
 * Times the supervisor's own CLI deleting every service (`delete all`, spawned
 * as a user would type it) until every process of every service has ended and
 * every port is free; counts the supervisor's CPU meanwhile.
 */
async function deleteAll(sup, ports, pids) {
  const roots = [...(await sup.instances()).values()].flatMap((i) => (i.pid ? [i.pid] : []));
  const members = roots.flatMap((pid) => processTree(pid));
  const cpu0 = totalCpuSeconds(pids);
  const started = now();
  const { command, args, env, cwd } = sup.deleteAllCommand();
  const result = await run(command, args, { env, cwd });
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  await until(
    async () =>
      members.every((pid) => !isAlive(pid)) &&
      (await Promise.all(ports.map(isFree))).every(Boolean),
    { everyMs: 10, timeoutMs: 30_000, what: `${sup.label} to stop every service` },
  );
  return {
    ms: now() - started,
    cpuSeconds: totalCpuSeconds(pids) - cpu0,
    processes: members.length,
  };
}

/** The supervisor's listing command, spawned each time, and Codedance's HTTP listing alone. */
async function listing(sup, expected, runs) {
  const { command, args, env } = sup.listCommand();
  const cli = [];
  for (let i = 0; i <= runs; i += 1) {
    const result = await run(command, args, { env });
    if (result.code !== 0)
      throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    const count = sup.countListed(result.stdout);
    if (count !== expected)
      throw new Error(`${sup.label} listed ${count} services, expected ${expected}`);
    if (i > 0) cli.push(result.ms); // the first run warms the file cache
  }
  const http = [];
  if (sup.listOverHttp) {
    for (let i = 0; i <= runs; i += 1) {
      const started = now();
      const count = await sup.listOverHttp();
      if (i > 0) http.push(now() - started);
      if (count !== expected)
        throw new Error(`${sup.label} listed ${count} services over HTTP, expected ${expected}`);
    }
  }
  return {
    cliRunsMs: cli,
    cliMs: median(cli),
    httpRunsMs: http,
    httpMs: http.length ? median(http) : null,
  };
}

/**
 * Starts the log-burst fixture and times, from its process's start, until
 * every line is in the supervisor's log file; with a live tail attached, also
 * until the tail has printed every line. The supervisor's CPU is counted from
 * before the start until it is back to its idle rate, so work it does after
 * the file is complete (reading, indexing, sending) is included; what it
 * spends when idle (sampling its services) is measured just before and taken
 * out.
 */
async function logBurst(sup, pids, { name, lines, withTail }) {
  const tail = withTail ? await sup.tail(name, lines) : null;
  await sup.warmUp(name);
  const cpu = () => totalCpuSeconds(pids);
  const idleRate = await cpuRate(cpu, 3000);
  const cpu0 = cpu();
  const started = now();
  await sup.startBurst(name, lines);
  // The time is taken from the fixture's own start, so asking for the path here costs nothing.
  const path = await sup.logFile(name);
  const file = new FileLineCounter(path);
  await until(async () => (await file.poll()) >= lines + 1, {
    everyMs: 10,
    timeoutMs: 120_000,
    what: `${lines} lines in ${path}`,
  });
  const completedAt = epochNow();
  if (file.lines !== lines + 1)
    throw new Error(`${path} has ${file.lines} lines, expected ${lines + 1}`);
  if (file.startedAt === null) throw new Error(`${path} does not start with the burst-start line`);
  const cpuAtFileComplete = cpu() - cpu0;
  const result = { fileMs: completedAt - file.startedAt, cpuAtFileComplete };

  if (tail) {
    // Waits until every line came, or the server said it dropped the rest, or nothing moves for 15 s.
    let last = -1;
    let lastMoved = now();
    await until(
      () => {
        const seen = tail.counter.lines + tail.dropped;
        if (seen !== last) [last, lastMoved] = [seen, now()];
        return seen >= lines || now() - lastMoved > 15_000;
      },
      { everyMs: 20, timeoutMs: 180_000, what: 'the live tail' },
    );
    result.tail = {
      cpuSeconds: totalCpuSeconds([tail.pid]),
      delivered: tail.counter.lines,
      dropped: tail.dropped,
      sawFirstLine: tail.counter.sawStart,
      firstMs: tail.counter.firstAt === null ? null : tail.counter.firstAt - file.startedAt,
      ms: tail.counter.completedAt === null ? null : tail.counter.completedAt - file.startedAt,
    };
  }
  // A supervisor may start on the lines well after the file is complete (Codedance
  // reads the file back, at the latest on its fallback poll): idle only counts
  // once it says it has taken in the last line.
  await until(() => sup.ingested(name, lines), {
    everyMs: 250,
    timeoutMs: 120_000,
    what: `${sup.label} to take in every line of ${name}`,
  });
  result.ingestedMs = epochNow() - file.startedAt;
  result.wentIdle = await quiet(cpu, { idleRate, timeoutMs: 60_000 });
  const elapsed = (now() - started) / 1000;
  result.idleRate = idleRate;
  result.grossCpuSeconds = cpu() - cpu0;
  result.cpuSeconds = result.grossCpuSeconds - idleRate * elapsed;
  result.idleAfterMs = elapsed * 1000;
  if (tail) await tail.stop();
  await sup.remove(name);
  return result;
}
