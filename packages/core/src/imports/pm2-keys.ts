import type { FieldProblem } from '../errors/index.js';

/** Keys every app may have, service or task. */
const COMMON_KEYS = new Set([
  'name',
  'script',
  'args',
  'cwd',
  'env',
  'interpreter',
  'exec_interpreter',
  'interpreter_args',
  'node_args',
  'autorestart',
  'cron_restart',
]);
/** Keys that only mean something for a long-running service. */
const SERVICE_KEYS = new Set([
  'instances',
  'exec_mode',
  'max_memory_restart',
  'kill_timeout',
  'restart_delay',
  'exp_backoff_restart_delay',
  'max_restarts',
  'min_uptime',
  'out_file',
  'error_file',
  'log_file',
  'log_date_format',
  'merge_logs',
  'combine_logs',
]);

/**
 * PM2 keys Codedance understands but does not act on, with the reason a
 * person reads in the import warnings.
 */
const UNSUPPORTED_KEYS: Record<string, string> = {
  watch: 'file watching is not supported; restart the service after a change',
  ignore_watch: 'file watching is not supported',
  watch_options: 'file watching is not supported',
  watch_delay: 'file watching is not supported',
  instance_var: 'the instance number is always in NODE_APP_INSTANCE and CODEDANCE_INSTANCE',
  log_type: 'logs are collected by Codedance',
  disable_logs: 'logs are collected by Codedance',
  time: 'logs are collected by Codedance',
  pid_file: 'Codedance tracks process ids itself',
  wait_ready: 'use a readiness check instead',
  listen_timeout: 'use a readiness check and readiness_timeout_ms instead',
  shutdown_with_message: 'services are stopped with a signal',
  stop_exit_codes: 'use restart: on-failure instead',
  source_map_support: 'not supported',
  vizion: 'not supported',
  autodump: 'not supported',
  treekill: 'the whole process group is always stopped',
  force: 'not supported',
  post_update: 'not supported',
  increment_var: 'not supported',
  namespace: 'not supported',
  filter_env: 'not supported',
  append_env_to_name: 'not supported',
  uid: 'services run as the Codedance user',
  gid: 'services run as the Codedance user',
  user: 'services run as the Codedance user',
};

/** Keys that will not take effect, each named with the reason. Keys set to false or null are quiet. */
export function keyWarnings(
  app: Record<string, unknown>,
  path: string,
  asTask: boolean,
): FieldProblem[] {
  return Object.entries(app).flatMap(([key, value]): FieldProblem[] => {
    if (value === false || value === null) return [];
    const warn = (message: string) => [{ path: `${path}/${key}`, message }];
    if (key === 'cron_restart' && !asTask) {
      return warn('is ignored: a running service is not restarted on a schedule');
    }
    if (COMMON_KEYS.has(key)) return [];
    if (SERVICE_KEYS.has(key)) {
      const harmless =
        (key === 'instances' && value === 1) ||
        (key === 'exec_mode' && (value === 'fork' || value === 'fork_mode'));
      if (asTask) return harmless ? [] : warn('does not apply to a scheduled task');
      if (key === 'exec_mode' && (value === 'cluster' || value === 'cluster_mode')) {
        return warn(
          'cluster mode is not supported: each instance runs as its own process, with PORT = port + instance',
        );
      }
      return [];
    }
    if (key.startsWith('env_')) return warn('is not applied: only env is read; merge it into env');
    const reason = UNSUPPORTED_KEYS[key];
    return warn(
      reason === undefined
        ? 'is not a PM2 field Codedance knows; ignored'
        : `is ignored: ${reason}`,
    );
  });
}
