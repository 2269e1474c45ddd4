import { ValidationError, type FieldProblem } from '../errors/index.js';

/**
 * What answers, exports and logs show instead of a secret value. Sent back
 * unchanged in an update, it means "keep the value you have".
 */
export const SECRET_MASK = '********';

/** A variable marked secret: `{ "value": "…", "secret": true }`. */
export interface SecretValue {
  value: string;
  secret: boolean;
}

/** One environment value: a plain string, or an object that may mark it secret. */
export type EnvValue = string | SecretValue;

/** A workload's environment as written: `{ "NAME": "value", "KEY": { "value": "…", "secret": true } }`. */
export type EnvMap = Readonly<Record<string, EnvValue>>;

function isSecret(value: EnvValue | undefined): value is SecretValue & { secret: true } {
  return typeof value === 'object' && value.secret;
}

/** The variables as a process receives them: every value a string. */
export function plainEnv(env: EnvMap | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env ?? {})) {
    out[name] = typeof value === 'string' ? value : value.value;
  }
  return out;
}

/** A copy fit to show: each secret's value replaced by SECRET_MASK. */
export function maskEnv<T extends EnvMap | undefined>(env: T): T {
  if (env === undefined) return env;
  const out: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name] = isSecret(value) ? { value: SECRET_MASK, secret: true } : value;
  }
  return out as T;
}

/**
 * An update's environment with each masked secret (`{ "value": SECRET_MASK,
 * "secret": true }`, as answers show it) replaced by the value stored
 * before, so that editing a workload does not need its secrets. A mask for a
 * variable that had no secret is a problem: there is nothing to keep.
 */
export function keepSecrets(
  next: Readonly<Record<string, unknown>>,
  stored: EnvMap | undefined,
  path: string,
): { env: Record<string, unknown>; problems: FieldProblem[] } {
  // `next` is a request body not yet validated: anything may be in it.
  const out: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(next)) {
    const masked =
      typeof value === 'object' &&
      value !== null &&
      (value as { value?: unknown }).value === SECRET_MASK;
    if (!masked) {
      out[name] = value;
      continue;
    }
    const before = stored?.[name];
    if (isSecret(before)) out[name] = before;
    else {
      problems.push({
        path: `${path}/${name}`,
        message: 'is the mask of a secret, but no secret value is stored for it: send the value',
      });
    }
  }
  return { env: out, problems };
}

/** The secret values of an environment, longest first (so a value inside another is masked whole). */
export function secretValues(env: EnvMap | undefined): string[] {
  return Object.values(env ?? {})
    .filter(isSecret)
    .map((v) => v.value)
    .filter((v) => v.length >= 4)
    .sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret replaced by SECRET_MASK. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== '' && out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
  }
  return out;
}

/**
 * A create or update body with `keepSecrets` applied to its `field`
 * (`environment` of a task, `env` of a service), before it is validated.
 * Throws a ValidationError (400) for a mask with no stored secret behind it.
 */
export function withKeptSecrets(
  input: unknown,
  field: string,
  stored: EnvMap | undefined,
  what: string,
): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const body = input as Record<string, unknown>;
  const env = body[field];
  if (env === null || typeof env !== 'object' || Array.isArray(env)) return input;
  const kept = keepSecrets(env as Record<string, unknown>, stored, `/${field}`);
  if (kept.problems.length > 0) throw new ValidationError(kept.problems, what);
  return { ...body, [field]: kept.env };
}
