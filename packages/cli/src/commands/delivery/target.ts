import { userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import type { CommandContext } from '../../context.js';
import { UsageError } from '../../failure.js';
import { DEPLOYMENT_ID } from './answers.js';

export const DEFAULT_NAMESPACE = 'default';

/** An app named for its latest release has none; shown like the server's own not-found errors. */
export class NoReleaseError extends Error {
  readonly code = 'CD_NOT_FOUND';

  constructor(message: string) {
    super(message);
    this.name = 'NoReleaseError';
  }
}

/** An app named on the command line. */
export interface AppRef {
  namespace: string;
  name: string;
}

/** `ns/name`, or `name` in `--namespace` (else `default`); both forms at once must agree. */
export function parseAppRef(text: string, namespace?: string, flag = '--namespace'): AppRef {
  const parts = text.split('/');
  if (parts.length > 2 || parts.some((p) => p === ''))
    throw new UsageError(`'${text}' is not an app: write <name> or <namespace>/<name>`);
  const [first = '', second] = parts;
  if (second === undefined) return { namespace: namespace ?? DEFAULT_NAMESPACE, name: first };
  if (namespace !== undefined && namespace !== first)
    throw new UsageError(`'${text}' is in namespace ${first}, but ${flag} says ${namespace}`);
  return { namespace: first, name: second };
}

export function appLabel(ref: AppRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/**
 * The release a `rollout` command is about: a deployment id as given, or the newest release of
 * an app.
 */
export async function resolveRelease(
  ctx: CommandContext,
  target: string,
  namespace: string | undefined,
): Promise<string> {
  if (DEPLOYMENT_ID.test(target)) {
    if (namespace !== undefined)
      throw new UsageError('--namespace goes with an app name, not with a deployment id');
    return target;
  }
  const ref = parseAppRef(target, namespace);
  const page = await ctx
    .client()
    .deployments.list({ app: ref.name, environment: ref.namespace, limit: 1 });
  const latest = page.items[0];
  if (latest === undefined)
    throw new NoReleaseError(
      `${appLabel(ref)} has no release yet; release one with: codedance deploy ${appLabel(ref)} --version <label>`,
    );
  return latest.id;
}

/** Who acts, for the record: `--executor`, else the name of the user running the CLI. */
export function executorName(given: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (given !== undefined) return given;
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container running as an arbitrary uid).
    return env.USER ?? env.LOGNAME ?? null;
  }
}

/** The header that names who acts; the server records it on the release. */
export function executorHeader(
  given: string | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const who = executorName(given, env);
  return who === null || who === '' ? {} : { 'x-codedance-executor': who };
}

/** A commander parser for `--executor`: what the server keeps (1 to 128 characters). */
export function executorValue(value: string): string {
  const who = value.trim();
  if (who === '' || who.length > 128)
    throw new InvalidArgumentError('expected a name of 1 to 128 characters.');
  return who;
}
