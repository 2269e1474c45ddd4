import { Type, type Static } from 'typebox';
import type { FieldProblem } from '../errors/index.js';
import { NAMESPACE_PATTERN } from '../delivery/manifest.js';
import { ReadinessSchema } from '../services/schema.js';
import { readinessProblems } from '../services/validate.js';
import { EnvironmentSchema } from '../tasks/schema.js';
import { specValidator, type Validated, type WithDefaults } from '../tasks/problems.js';

const closed = { additionalProperties: false } as const;

/**
 * An environment is a lowercase DNS label (a Kubernetes namespace fits it): no dots, so
 * `<environment>.<name>` names one workload and no other.
 */
export const WORKLOAD_ENVIRONMENT_PATTERN = NAMESPACE_PATTERN;

/** A workload's name inside its environment; with the environment it fits 64 characters. */
export const WORKLOAD_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,46}$';

/** How many instances one workload may ask for. */
export const MAX_REPLICAS = 64;

const Port = Type.Integer({ minimum: 1, maximum: 65_535 });

/**
 * Where a workload's instances listen; each is told its port in `PORT`.
 * - `none`: they serve nothing on a port.
 * - `assigned`: the runtime chooses, and each instance's endpoint says where.
 * - `block`: instance i of n listens on `first + i` (the caller reserved the block).
 */
export const PortPolicySchema = Type.Union([
  Type.Object({ kind: Type.Literal('none') }, closed),
  Type.Object({ kind: Type.Literal('assigned') }, closed),
  Type.Object({ kind: Type.Literal('block'), first: Port }, closed),
]);

/** The replicas a workload may ask for. */
export const ReplicasSchema = Type.Integer({ minimum: 1, maximum: MAX_REPLICAS });

/**
 * What a runtime is asked to run. `command` (a program with `args`, on this host) or `image`
 * (a container image, whose entrypoint `command` and `args` replace when given); a runtime
 * refuses the form it cannot run.
 */
export const WorkloadSpecSchema = Type.Object(
  {
    environment: Type.String({ pattern: WORKLOAD_ENVIRONMENT_PATTERN }),
    name: Type.String({ pattern: WORKLOAD_NAME_PATTERN }),
    image: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    args: Type.Optional(
      Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 256, default: [] }),
    ),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Run `command` as a shell command line (args are then ignored). */
    shell: Type.Optional(Type.Boolean({ default: false })),
    /** Plain values, or `{ value, secret: true }` for one that is never shown or logged. */
    env: Type.Optional({ ...EnvironmentSchema, default: {} }),
    replicas: Type.Optional({ ...ReplicasSchema, default: 1 }),
    ports: Type.Optional({ ...PortPolicySchema, default: { kind: 'none' } }),
    readiness: Type.Optional(ReadinessSchema),
    readinessTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
    ),
    /** How long an instance has to end after it is asked to stop, before it is killed. */
    stopTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, default: 5000 })),
  },
  closed,
);

export type PortPolicy = Static<typeof PortPolicySchema>;
export type WorkloadSpecInput = Static<typeof WorkloadSpecSchema>;
type WorkloadDefaultedField =
  'args' | 'shell' | 'env' | 'replicas' | 'ports' | 'readinessTimeoutMs' | 'stopTimeoutMs';
/** A validated workload with its defaults applied. */
export type WorkloadSpec = WithDefaults<WorkloadSpecInput, WorkloadDefaultedField>;

/** A workload's identity: its name is unique within its environment only. */
export interface WorkloadRef {
  environment: string;
  name: string;
}

function meaningProblems(value: unknown): FieldProblem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const spec = value as Partial<Record<keyof WorkloadSpecInput, unknown>>;
  const problems: FieldProblem[] = [];
  if (spec.command === undefined && spec.image === undefined) {
    problems.push({ path: '/command', message: 'is required unless an image is given' });
  }
  const ports = spec.ports as { kind?: unknown; first?: unknown } | undefined;
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  if (typeof ports?.first === 'number' && ports.first + replicas - 1 > 65_535) {
    problems.push({
      path: '/ports/first',
      message: `leaves no room for ${replicas} instances below 65535`,
    });
  }
  const readiness = spec.readiness;
  if (readiness !== null && typeof readiness === 'object' && !Array.isArray(readiness)) {
    problems.push(
      ...readinessProblems(readiness as Record<string, unknown>, ports?.kind !== 'none'),
    );
  }
  return problems;
}

/**
 * Checks a workload spec and fills in its defaults; every problem at once, each with its JSON
 * pointer. The input is never modified.
 */
export const validateWorkloadSpec: (input: unknown) => Validated<WorkloadSpec> = specValidator(
  WorkloadSpecSchema,
  meaningProblems,
);

const validReplicas = specValidator<number>(ReplicasSchema, () => []);

/** Problems with a replica count given on its own (to `scale`), at path `/replicas`. */
export function replicasProblems(replicas: unknown): FieldProblem[] {
  const checked = validReplicas(replicas);
  if (checked.ok) return [];
  const hint = replicas === 0 ? ' (stop a workload to run none of it)' : '';
  return checked.problems.map((p) => ({ path: '/replicas', message: `${p.message}${hint}` }));
}

/** Problems with a workload reference, at paths `/environment` and `/name`. */
export function refProblems(ref: unknown): FieldProblem[] {
  const { environment, name } = (ref ?? {}) as Partial<Record<keyof WorkloadRef, unknown>>;
  const problems: FieldProblem[] = [];
  if (
    typeof environment !== 'string' ||
    !new RegExp(WORKLOAD_ENVIRONMENT_PATTERN).test(environment)
  ) {
    problems.push({
      path: '/environment',
      message: `must match ${WORKLOAD_ENVIRONMENT_PATTERN}`,
    });
  }
  if (typeof name !== 'string' || !new RegExp(WORKLOAD_NAME_PATTERN).test(name)) {
    problems.push({ path: '/name', message: `must match ${WORKLOAD_NAME_PATTERN}` });
  }
  return problems;
}

/** `environment/name`, as errors and logs name a workload. */
export function refKey(ref: WorkloadRef): string {
  return `${ref.environment}/${ref.name}`;
}
