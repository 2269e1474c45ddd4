/**
 * Variables of the server's own environment that a workload must never
 * inherit: Codedance's settings (its admin token, its store URL with a
 * password) and the seed's secret names.
 */
const PRIVATE = [/^CODEDANCE_/, /^REDIS_PASSWORD$/, /^SECRET_KEY$/, /^PG(PASSWORD|PASSFILE)$/];

/**
 * The environment a workload starts with: the server's environment without
 * its secrets, then what Codedance says about the workload, then the
 * workload's own variables, which win.
 */
export function workloadEnvironment(
  base: NodeJS.ProcessEnv,
  identity: Record<string, string>,
  own: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !PRIVATE.some((re) => re.test(key))) env[key] = value;
  }
  return { ...env, ...identity, ...(own ?? {}) };
}
