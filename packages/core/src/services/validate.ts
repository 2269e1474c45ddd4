import { plainEnv } from '../secrets/index.js';
import { parseByteSize } from '../config/index.js';
import type { FieldProblem } from '../errors/index.js';
import { specValidator, type Validated } from '../tasks/problems.js';
import { ServiceSpecSchema, type ServiceSpec } from './schema.js';

/**
 * Checks a service definition and fills in its defaults, nested ones
 * included. Reports every problem with its JSON pointer; the input is never
 * modified.
 */
export const validateServiceSpec: (input: unknown) => Validated<ServiceSpec> = specValidator(
  ServiceSpecSchema,
  meaningProblems,
);

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Loose)
    : undefined;
}

/** What the schema cannot say: values that relate to each other or must parse. */
function meaningProblems(value: unknown): FieldProblem[] {
  const spec = asObject(value);
  if (spec === undefined) return [];
  const problems: FieldProblem[] = [];
  const { port, instances, max_memory: maxMemory } = spec;
  if (typeof maxMemory === 'string' && parseByteSize(maxMemory) === null) {
    problems.push({ path: '/max_memory', message: 'must be a byte size such as 200MB or 1.5G' });
  }
  if (typeof port === 'number' && typeof instances === 'number' && port + instances - 1 > 65_535) {
    problems.push({
      path: '/port',
      message: `leaves no room for ${instances} instances below 65535`,
    });
  }
  const backoff = asObject(spec.backoff);
  if (
    typeof backoff?.initial_ms === 'number' &&
    typeof backoff.max_ms === 'number' &&
    backoff.initial_ms > backoff.max_ms
  ) {
    problems.push({ path: '/backoff/max_ms', message: 'must be at least initial_ms' });
  }
  return [...problems, ...readinessProblems(asObject(spec.readiness), port !== undefined)];
}

/**
 * What the schema cannot say of a readiness check: an http or tcp check needs a port, and a
 * log check's pattern must be a regular expression.
 */
export function readinessProblems(readiness: Loose | undefined, hasPort: boolean): FieldProblem[] {
  if (readiness === undefined) return [];
  const { type, port, pattern } = readiness;
  if ((type === 'http' || type === 'tcp') && port === undefined && !hasPort) {
    return [{ path: '/readiness/port', message: 'is required when the service has no port' }];
  }
  if (type === 'log' && typeof pattern === 'string') {
    try {
      new RegExp(pattern);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return [
        { path: '/readiness/pattern', message: `is not a valid regular expression: ${reason}` },
      ];
    }
  }
  return [];
}

/**
 * The environment of instance `instance` (0-based): the service's own
 * variables, then `PORT` (port + instance, when the service has a port),
 * and the instance number under Codedance's and PM2's names.
 */
export function instanceEnv(
  spec: Pick<ServiceSpec, 'name' | 'env' | 'port'>,
  instance: number,
): Record<string, string> {
  return {
    ...plainEnv(spec.env),
    ...(spec.port === undefined ? {} : { PORT: String(spec.port + instance) }),
    CODEDANCE_SERVICE: spec.name,
    CODEDANCE_INSTANCE: String(instance),
    NODE_APP_INSTANCE: String(instance),
  };
}

/** The memory limit in bytes, or null when the service has none. */
export function maxMemoryBytes(spec: Pick<ServiceSpec, 'max_memory'>): number | null {
  return spec.max_memory === undefined ? null : parseByteSize(spec.max_memory);
}

/** Whether an HTTP readiness probe's answer counts as ready (200..399 unless set). */
export function acceptsStatus(expect: number | string | undefined, status: number): boolean {
  if (typeof expect === 'number') return status === expect;
  const [low, high] = (expect ?? '200-399').split('-').map(Number);
  return low !== undefined && high !== undefined && status >= low && status <= high;
}
