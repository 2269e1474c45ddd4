import { describe, expect, it } from 'vitest';
import { parsePm2Ecosystem } from './pm2.js';

const cpus = 8;

describe('parsePm2Ecosystem', () => {
  it('maps a typical app onto a service', () => {
    const result = parsePm2Ecosystem(
      {
        apps: [
          {
            name: 'api',
            script: './server.js',
            args: `--title 'My API' --mode="fast lane"`,
            node_args: '--max-old-space-size=512',
            cwd: '/srv/api',
            instances: 'max',
            env: { NODE_ENV: 'production', PORT: 3000, DEBUG: false },
            max_memory_restart: '300M',
            kill_timeout: 8000,
          },
        ],
      },
      { cpus },
    );
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.tasks).toEqual([]);
    expect(result.services).toHaveLength(1);
    expect(result.services[0]).toMatchObject({
      name: 'api',
      command: 'node',
      args: ['--max-old-space-size=512', './server.js', '--title', 'My API', '--mode=fast lane'],
      cwd: '/srv/api',
      instances: 8,
      port: 3000,
      env: { NODE_ENV: 'production', DEBUG: 'false' },
      max_memory: '300M',
      stop_timeout_ms: 8000,
      restart: 'always',
    });
  });

  it('reads an array of apps and PM2 instance counts', () => {
    const instances = (value: unknown) =>
      parsePm2Ecosystem([{ name: 'w', script: 'w.sh', instances: value }], { cpus }).services[0]
        ?.instances;
    expect(instances('max')).toBe(8);
    expect(instances(0)).toBe(8);
    expect(instances(-1)).toBe(7);
    expect(instances('3')).toBe(3);
    expect(instances(undefined)).toBe(1);
  });

  it('runs the script with the interpreter it names, or directly with none', () => {
    const [withPython, direct, binary, inferred] = parsePm2Ecosystem(
      [
        { name: 'py', script: 'worker.py', interpreter: '/usr/bin/python3.12', args: ['-v', 2] },
        { name: 'raw', script: './start.js', interpreter: 'none' },
        { name: 'redis', script: 'redis-server', args: '--port 6380' },
        { name: 'sh', script: 'job.sh' },
      ],
      { cpus },
    ).services;
    expect(withPython).toMatchObject({
      command: '/usr/bin/python3.12',
      args: ['worker.py', '-v', '2'],
    });
    expect(direct).toMatchObject({ command: './start.js', args: [] });
    expect(binary).toMatchObject({ command: 'redis-server', args: ['--port', '6380'] });
    expect(inferred).toMatchObject({ command: 'bash', args: ['job.sh'] });
  });

  it('derives a name from the script when there is none', () => {
    expect(
      parsePm2Ecosystem([{ script: '/opt/my app/index.js' }], { cpus }).services[0]?.name,
    ).toBe('index');
  });

  it('maps restart settings', () => {
    const [never, fixed, exponential] = parsePm2Ecosystem(
      [
        { name: 'a', script: 'a', autorestart: false },
        { name: 'b', script: 'b', restart_delay: 2000, max_restarts: 10, min_uptime: '5s' },
        { name: 'c', script: 'c', exp_backoff_restart_delay: 100 },
      ],
      { cpus },
    ).services;
    expect(never?.restart).toBe('never');
    expect(fixed?.backoff).toMatchObject({
      initial_ms: 2000,
      max_ms: 2000,
      multiplier: 1,
      reset_after_ms: 5000,
    });
    expect(fixed?.crashloop.max_restarts).toBe(10);
    expect(exponential?.backoff).toMatchObject({
      initial_ms: 100,
      max_ms: 15_000,
      multiplier: 1.5,
    });
  });

  it('turns a cron-only app into a task', () => {
    const result = parsePm2Ecosystem(
      [
        {
          name: 'nightly-report',
          script: 'report.py',
          args: '--since yesterday',
          cron_restart: '0 2 * * *',
          autorestart: false,
          env: { PORT: '9000' },
          exec_mode: 'fork',
          instances: 1,
        },
      ],
      { cpus },
    );
    expect(result.services).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.tasks).toHaveLength(1);
    expect(result.tasks[0]).toMatchObject({
      id: 'nightly-report',
      script_path: 'report.py',
      execute_path: 'python3',
      args: ['--since', 'yesterday'],
      cron: '0 2 * * *',
      environment: { PORT: '9000' },
    });
  });

  it('warns about what it does not act on, naming the key', () => {
    const result = parsePm2Ecosystem(
      {
        apps: [
          {
            name: 'api',
            script: 'app.js',
            watch: true,
            ignore_watch: false,
            exec_mode: 'cluster',
            instances: 2,
            env_production: { NODE_ENV: 'production' },
            cron_restart: '0 3 * * *',
            colour: 'blue',
          },
          {
            name: 'job',
            script: 'job',
            cron_restart: '*/5 * * * *',
            autorestart: false,
            kill_timeout: 100,
            node_args: '--inspect',
          },
        ],
        deploy: { production: {} },
      },
      { cpus },
    );
    expect(result.problems).toEqual([]);
    expect(result.services).toHaveLength(1);
    expect(result.tasks).toHaveLength(1);
    expect(result.warnings.map((w) => w.path)).toEqual([
      '/deploy',
      '/apps/0/watch',
      '/apps/0/exec_mode',
      '/apps/0/env_production',
      '/apps/0/cron_restart',
      '/apps/0/colour',
      '/apps/1/kill_timeout',
      '/apps/1/node_args',
    ]);
    expect(result.warnings[1]?.message).toBe(
      'is ignored: file watching is not supported; restart the service after a change',
    );
    expect(result.warnings[5]?.message).toBe('is not a PM2 field Codedance knows; ignored');
  });

  it("maps the log keys onto the service's logs, and refuses a relative path at its key", () => {
    const result = parsePm2Ecosystem(
      {
        apps: [
          {
            name: 'api',
            script: 'app.js',
            out_file: '/var/log/api-out.log',
            error_file: '/var/log/api-err.log',
            log_file: '/var/log/api.log',
            log_date_format: 'YYYY-MM-DD HH:mm Z',
            combine_logs: true,
          },
          { name: 'quiet', script: 'q.js', out_file: false, merge_logs: false },
        ],
      },
      { cpus },
    );
    expect(result.warnings).toEqual([]);
    expect(result.services[0]?.logs).toEqual({
      out_file: '/var/log/api-out.log',
      error_file: '/var/log/api-err.log',
      combined_file: '/var/log/api.log',
      date_format: 'YYYY-MM-DD HH:mm Z',
      merge: true,
    });
    expect(result.services[1]?.logs).toEqual({ merge: false });
    const relative = parsePm2Ecosystem(
      { apps: [{ name: 'r', script: 'r.js', out_file: 'r.log' }] },
      { cpus },
    );
    expect(relative.problems.map((p) => p.path)).toEqual(['/apps/0/out_file']);
    const asTask = parsePm2Ecosystem(
      {
        apps: [
          {
            name: 't',
            script: 't.js',
            cron_restart: '0 * * * *',
            autorestart: false,
            out_file: '/tmp/t.log',
          },
        ],
      },
      { cpus },
    );
    expect(asTask.warnings.map((w) => `${w.path} ${w.message}`)).toEqual([
      '/apps/0/out_file does not apply to a scheduled task',
    ]);
  });

  it('warns that cron_restart on a running service does nothing', () => {
    const { warnings } = parsePm2Ecosystem(
      [{ name: 'a', script: 'a', cron_restart: '0 * * * *' }],
      {
        cpus,
      },
    );
    expect(warnings).toEqual([
      {
        path: '/0/cron_restart',
        message: 'is ignored: a running service is not restarted on a schedule',
      },
    ]);
  });

  it('reports problems at their path in the ecosystem file', () => {
    const result = parsePm2Ecosystem(
      {
        apps: [
          { name: 'no-script' },
          { name: 'bad args', script: 'x', args: `'unclosed` },
          { name: 'ok', script: 'x', instances: 'lots', kill_timeout: -1 },
          {
            name: 'mem',
            script: 'x',
            max_memory_restart: 'huge',
            env: { PORT: '80', 'BAD-KEY': 'v' },
          },
          { name: 'cron', script: 'x', cron_restart: '99 * * * *', autorestart: false },
          { name: 'dup', script: 'x' },
          { name: 'dup', script: 'y' },
          'nope',
        ],
      },
      { cpus },
    );
    expect(result.services.map((s) => s.name)).toEqual(['dup']);
    expect(result.problems).toEqual([
      { path: '/apps/0/script', message: 'is required' },
      { path: '/apps/1/args', message: "has an unterminated ' quote" },
      { path: '/apps/2/instances', message: "must be a whole number or 'max'" },
      {
        path: '/apps/3/env/BAD-KEY',
        message: 'is not a valid name (must match ^[A-Za-z_][A-Za-z0-9_]*$)',
      },
      { path: '/apps/3/max_memory_restart', message: 'must be a byte size such as 200MB or 1.5G' },
      { path: '/apps/4/cron_restart', message: 'CronPattern: Invalid value for minute: 99' },
      { path: '/apps/6/name', message: 'repeats the name of /apps/5' },
      { path: '/apps/7', message: 'must be object' },
    ]);
  });

  it('maps a service validation problem back to the PM2 key', () => {
    expect(
      parsePm2Ecosystem([{ name: 'a', script: 'x', kill_timeout: -1 }], { cpus }).problems,
    ).toEqual([{ path: '/0/kill_timeout', message: 'must be >= 0' }]);
  });

  it('refuses something that is not an ecosystem', () => {
    expect(parsePm2Ecosystem({ app: [] }, { cpus }).problems).toEqual([
      { path: '', message: 'must be { "apps": [...] } or an array of apps' },
    ]);
  });
});
