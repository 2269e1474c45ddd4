import { Type, type Static } from 'typebox';
import {
  ANALYSIS_METRICS,
  STABLE_FAILS_POLICIES,
  type AnalysisMetric,
  type StableFailsPolicy,
} from '../analysis/index.js';
import type { FieldProblem } from '../errors/index.js';
import { ReadinessSchema } from '../services/schema.js';
import { EXPECTED } from '../validation/index.js';
import { specValidator, type Validated } from '../tasks/problems.js';
import { EnvironmentSchema } from '../tasks/schema.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';

const closed = { additionalProperties: false } as const;

export const MANIFEST_API_VERSION = 'deploy.codedance.io/v1alpha1';

/**
 * Names become parts of supervised service names (`namespace.app.version`), so together they
 * stay within the 64 characters a service name may have.
 */
export const APP_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$';
export const NAMESPACE_PATTERN = '^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$';
export const VERSION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$';

/** How a version is released, as seed 003 names it. */
export const DEPLOYMENT_TYPES = ['CANARY', 'BLUE_GREEN', 'ROLLING', 'ALL_AT_ONCE'] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** Ready-made canary step lists (seed 000). */
export const CANARY_PRESETS = ['linear', 'exponential', 'manual'] as const;
export type CanaryPreset = (typeof CANARY_PRESETS)[number];

const Duration = Type.Union(
  [Type.Number({ minimum: 0, maximum: 86_400 }), Type.String({ pattern: DURATION_PATTERN })],
  { [EXPECTED]: 'a duration such as 30s, 2m or 500ms' },
);
/** `{}` (or `null`) as a pause means: wait until someone promotes. */
const Pause = Type.Union([Duration, Type.Object({}, closed), Type.Null()], {
  [EXPECTED]: 'a duration such as 30s, or {} to wait for promote',
});

const CanaryStepSchema = Type.Object(
  {
    weight: Type.Integer({ minimum: 0, maximum: 100 }),
    pause: Type.Optional(Pause),
    analysis: Type.Optional(Type.Boolean()),
  },
  closed,
);

const StrategySchema = Type.Object(
  {
    type: Type.Enum([...DEPLOYMENT_TYPES], { default: 'CANARY' }),
    canary: Type.Optional(
      Type.Object(
        {
          preset: Type.Optional(Type.Enum([...CANARY_PRESETS])),
          stepPause: Type.Optional(Duration),
          steps: Type.Optional(Type.Array(CanaryStepSchema, { minItems: 1, maxItems: 20 })),
        },
        closed,
      ),
    ),
    blueGreen: Type.Optional(
      Type.Object(
        {
          switch: Type.Optional(
            Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), { minItems: 1, maxItems: 10 }),
          ),
          observe: Type.Optional(Duration),
        },
        closed,
      ),
    ),
    rolling: Type.Optional(
      Type.Object(
        {
          batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
          pause: Type.Optional(Duration),
        },
        closed,
      ),
    ),
  },
  { ...closed, default: {} },
);

/**
 * A rate in a manifest is a fraction, as in seed 000's `CanaryDeployment`: 0.95 is 95 %. (The
 * metrics API answers percent; a manifest never does, so 95 here is refused, not misread.)
 */
function fraction(options: { default: number; exclusiveMinimum?: number; maximum?: number }) {
  const { default: fallback, maximum = 1, exclusiveMinimum } = options;
  const number = Type.Number({
    ...(exclusiveMinimum === undefined ? { minimum: 0 } : { exclusiveMinimum }),
    maximum,
  });
  const range =
    exclusiveMinimum === undefined
      ? `from 0 to ${maximum}`
      : `above ${exclusiveMinimum} and at most ${maximum}`;
  return Type.Union([number], {
    default: fallback,
    [EXPECTED]: `a fraction ${range} (${fallback} means ${fallback * 100} %)`,
  });
}

const StableFailsPolicySchema = Type.Enum([...STABLE_FAILS_POLICIES], {
  [EXPECTED]: 'pause, baselineOnly or fail',
});

/** One policy for every threshold, or one per metric (those left out take `pause`). */
const WhenStableFailsTooSchema = Type.Union(
  [
    StableFailsPolicySchema,
    Type.Object(
      Object.fromEntries(
        ANALYSIS_METRICS.map((metric) => [metric, Type.Optional(StableFailsPolicySchema)]),
      ),
      closed,
    ),
  ],
  {
    [EXPECTED]:
      'pause, baselineOnly or fail, or an object of them by metric (successRate, errorRate, latencyP50, latencyP90, latencyP99, requestRate)',
  },
);

const AnalysisSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true })),
    interval: Type.Optional(Duration),
    minRequests: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 })),
    failureLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 1 })),
    successRate: Type.Optional(fraction({ default: 0.95 })),
    errorRate: Type.Optional(fraction({ default: 0.05 })),
    latencyP50: Type.Optional(Duration),
    latencyP90: Type.Optional(Duration),
    latencyP99: Type.Optional(Duration),
    requestRate: Type.Optional(Type.Number({ minimum: 0 })),
    baseline: Type.Optional(Type.Boolean({ default: true })),
    alpha: Type.Optional(fraction({ default: 0.01, exclusiveMinimum: 0, maximum: 0.2 })),
    minErrorIncrease: Type.Optional(fraction({ default: 0.02, exclusiveMinimum: 0, maximum: 0.5 })),
    minLatencyShift: Type.Optional(Duration),
    whenStableFailsToo: Type.Optional(WhenStableFailsTooSchema),
  },
  { ...closed, default: {} },
);

const HookSchema = Type.Object(
  {
    command: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1, maxItems: 64 }),
    ),
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    timeout: Type.Optional(Duration),
  },
  closed,
);

const HooksSchema = Type.Object(
  {
    preRollout: Type.Optional(HookSchema),
    test: Type.Optional(HookSchema),
    step: Type.Optional(HookSchema),
    postRollout: Type.Optional(HookSchema),
    rollback: Type.Optional(HookSchema),
    confirmPromotion: Type.Optional(Type.Boolean()),
    webhook: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
  },
  { ...closed, default: {} },
);

export const RunSpecSchema = Type.Object(
  {
    command: Type.String({ minLength: 1, maxLength: 4096 }),
    args: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 256 })),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    env: Type.Optional(EnvironmentSchema),
    shell: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const AppSpecSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    instances: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, default: 1 })),
    run: RunSpecSchema,
    readiness: Type.Optional(ReadinessSchema),
    readinessTimeout: Type.Optional(Duration),
    strategy: Type.Optional(StrategySchema),
    analysis: Type.Optional(AnalysisSchema),
    autoRollback: Type.Optional(Type.Boolean({ default: true })),
    keepPrevious: Type.Optional(Duration),
    sticky: Type.Optional(Type.Boolean({ default: false })),
    headerRouting: Type.Optional(Type.Boolean({ default: true })),
    hooks: Type.Optional(HooksSchema),
  },
  closed,
);

export const AppManifestSchema = Type.Object(
  {
    apiVersion: Type.Literal(MANIFEST_API_VERSION),
    kind: Type.Literal('App'),
    metadata: Type.Object(
      {
        name: Type.String({ pattern: APP_NAME_PATTERN }),
        namespace: Type.Optional(Type.String({ pattern: NAMESPACE_PATTERN, default: 'default' })),
        labels: Type.Optional(
          Type.Record(Type.String({ maxLength: 63 }), Type.String({ maxLength: 255 })),
        ),
      },
      closed,
    ),
    spec: AppSpecSchema,
  },
  closed,
);

export type AppManifestInput = Static<typeof AppManifestSchema>;
export type RunSpec = Static<typeof RunSpecSchema>;
export type HookSpec = Static<typeof HookSchema>;
export type CanaryStepInput = Static<typeof CanaryStepSchema>;

/** Analysis settings with every default applied, durations in milliseconds. */
export interface AnalysisSettings {
  enabled: boolean;
  intervalMs: number;
  minRequests: number;
  failureLimit: number;
  successRate: number;
  errorRate: number;
  latencyP50Ms: number | null;
  latencyP90Ms: number | null;
  latencyP99Ms: number;
  requestRate: number | null;
  baseline: boolean;
  alpha: number;
  minErrorIncrease: number;
  minLatencyShiftMs: number;
  /**
   * What each threshold means when the stable version fails it too in the same window. Absent
   * from apps applied before it existed, which pause on every metric as the default does.
   */
  whenStableFailsToo?: Record<AnalysisMetric, StableFailsPolicy>;
}

/** One canary step with its pause in milliseconds; null waits for promote. */
export interface CanaryStep {
  weight: number;
  pauseMs: number | null;
  analysis: boolean;
}

export interface StrategySettings {
  type: DeploymentType;
  canary: { preset: CanaryPreset | null; steps: CanaryStep[] };
  blueGreen: { switch: number[]; observeMs: number };
  rolling: { batchSize: number; pauseMs: number };
}

export interface HookSettings {
  preRollout: HookSpec | null;
  test: HookSpec | null;
  step: HookSpec | null;
  postRollout: HookSpec | null;
  rollback: HookSpec | null;
  confirmPromotion: boolean;
  webhook: string | null;
}

/** An app as the controller uses it: validated, defaults applied, durations in ms. */
export interface AppSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  port: number;
  instances: number;
  run: RunSpec;
  readiness: Static<typeof ReadinessSchema> | null;
  readinessTimeoutMs: number;
  strategy: StrategySettings;
  analysis: AnalysisSettings;
  autoRollback: boolean;
  keepPreviousMs: number;
  sticky: boolean;
  headerRouting: boolean;
  hooks: HookSettings;
}

type Loose = Record<string, unknown>;

function obj(value: unknown): Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Loose)
    : {};
}

function ms(value: unknown, fallback: number): number {
  if (typeof value !== 'number' && typeof value !== 'string') return fallback;
  return parseDuration(value) ?? fallback;
}

/** The step lists behind the presets; each step pauses `pauseMs` (null: wait for promote). */
export function presetSteps(preset: CanaryPreset, pauseMs: number): CanaryStep[] {
  const steps = (weights: number[], pause: number | null) =>
    weights.map((weight) => ({ weight, pauseMs: pause, analysis: pause !== null }));
  switch (preset) {
    case 'linear':
      return steps([20, 40, 60, 80], pauseMs);
    case 'exponential':
      return steps([5, 10, 20, 40, 80], pauseMs);
    case 'manual':
      return steps([10, 50], null);
  }
}

/**
 * A step's pause in ms (null: wait for promote). A step below 100 % without a pause holds the
 * canary's `stepPause`; a step at 100 % without one is the end of the release and holds nothing:
 * give it a pause to watch full traffic before the old version retires.
 */
function stepPauseMs(step: CanaryStepInput, stepPause: number): number | null {
  const given = step.pause;
  if (given === undefined) return step.weight === 100 ? 0 : stepPause;
  if (given === null || typeof given === 'object') return null;
  return ms(given, stepPause);
}

function canarySteps(input: Loose): { preset: CanaryPreset | null; steps: CanaryStep[] } {
  const pause = ms(input.stepPause, 30_000);
  if (Array.isArray(input.steps)) {
    const steps = (input.steps as CanaryStepInput[]).map((step) => {
      const pauseMs = stepPauseMs(step, pause);
      // A step is analysed over its pause; one that holds nothing has nothing to analyse.
      const analysis = step.analysis ?? (pauseMs !== null && pauseMs > 0);
      return { weight: step.weight, pauseMs, analysis };
    });
    return { preset: null, steps };
  }
  const preset = (input.preset as CanaryPreset | undefined) ?? 'linear';
  return { preset, steps: presetSteps(preset, pause) };
}

/** The policy of every metric: one for all, or each its own with `pause` for those left out. */
function stableFailsPolicies(input: unknown): Record<AnalysisMetric, StableFailsPolicy> {
  const given = typeof input === 'string' ? null : obj(input);
  const policy = (metric: AnalysisMetric) =>
    (given === null ? input : given[metric]) as StableFailsPolicy | undefined;
  return Object.fromEntries(ANALYSIS_METRICS.map((m) => [m, policy(m) ?? 'pause'])) as Record<
    AnalysisMetric,
    StableFailsPolicy
  >;
}

/** The manifest's form of the policies: one word when every metric has the same. */
function stableFailsManifest(
  policies: Record<AnalysisMetric, StableFailsPolicy> = stableFailsPolicies(undefined),
): StableFailsPolicy | Partial<Record<AnalysisMetric, StableFailsPolicy>> {
  const first = policies[ANALYSIS_METRICS[0]];
  return ANALYSIS_METRICS.every((m) => policies[m] === first) ? first : { ...policies };
}

function normalise(manifest: AppManifestInput): AppSpec {
  const spec = manifest.spec as Loose & AppManifestInput['spec'];
  const strategy = obj(spec.strategy);
  const analysis = obj(spec.analysis);
  const hooks = obj(spec.hooks) as Static<typeof HooksSchema>;
  const optionalMs = (value: unknown) => (value === undefined ? null : ms(value, 0));
  const blueGreen = obj(strategy.blueGreen);
  const rolling = obj(strategy.rolling);
  return {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? 'default',
    labels: manifest.metadata.labels ?? {},
    port: spec.port,
    instances: spec.instances ?? 1,
    run: spec.run,
    readiness: spec.readiness ?? null,
    readinessTimeoutMs: ms(spec.readinessTimeout, 30_000),
    strategy: {
      type: (strategy.type as DeploymentType | undefined) ?? 'CANARY',
      canary: canarySteps(obj(strategy.canary)),
      blueGreen: {
        switch: Array.isArray(blueGreen.switch) ? (blueGreen.switch as number[]) : [100],
        observeMs: ms(blueGreen.observe, 30_000),
      },
      rolling: {
        batchSize: typeof rolling.batchSize === 'number' ? rolling.batchSize : 1,
        pauseMs: ms(rolling.pause, 10_000),
      },
    },
    analysis: {
      enabled: analysis.enabled !== false,
      intervalMs: ms(analysis.interval, 10_000),
      minRequests: (analysis.minRequests as number | undefined) ?? 20,
      failureLimit: (analysis.failureLimit as number | undefined) ?? 1,
      successRate: (analysis.successRate as number | undefined) ?? 0.95,
      errorRate: (analysis.errorRate as number | undefined) ?? 0.05,
      latencyP50Ms: optionalMs(analysis.latencyP50),
      latencyP90Ms: optionalMs(analysis.latencyP90),
      latencyP99Ms: ms(analysis.latencyP99, 200),
      requestRate: (analysis.requestRate as number | undefined) ?? null,
      baseline: analysis.baseline !== false,
      alpha: (analysis.alpha as number | undefined) ?? 0.01,
      minErrorIncrease: (analysis.minErrorIncrease as number | undefined) ?? 0.02,
      minLatencyShiftMs: ms(analysis.minLatencyShift, 25),
      whenStableFailsToo: stableFailsPolicies(analysis.whenStableFailsToo),
    },
    autoRollback: spec.autoRollback ?? true,
    keepPreviousMs: ms(spec.keepPrevious, 600_000),
    sticky: spec.sticky ?? false,
    headerRouting: spec.headerRouting ?? true,
    hooks: {
      preRollout: hooks.preRollout ?? null,
      test: hooks.test ?? null,
      step: hooks.step ?? null,
      postRollout: hooks.postRollout ?? null,
      rollback: hooks.rollback ?? null,
      confirmPromotion: hooks.confirmPromotion ?? false,
      webhook: hooks.webhook ?? null,
    },
  };
}

/** What the schema cannot say. */
function meaningProblems(value: unknown): FieldProblem[] {
  const spec = obj(obj(value).spec);
  const problems: FieldProblem[] = [];
  const strategy = obj(spec.strategy);
  const steps = obj(strategy.canary).steps;
  if (Array.isArray(steps)) {
    let last = -1;
    steps.forEach((step: unknown, index) => {
      const weight = obj(step).weight;
      if (typeof weight !== 'number') return;
      if (weight <= last) {
        problems.push({
          path: `/spec/strategy/canary/steps/${index}/weight`,
          message: `must be greater than the step before (${last})`,
        });
      }
      last = weight;
    });
  }
  if (Array.isArray(steps)) {
    const stepPause = parseDuration(
      (obj(strategy.canary).stepPause as number | string | undefined) ?? '30s',
    );
    steps.forEach((step: unknown, index) => {
      const given = obj(step);
      if (given.analysis !== true || typeof given.weight !== 'number') return;
      const pauseMs = stepPauseMs(given as CanaryStepInput, stepPause ?? 30_000);
      if (pauseMs === 0) {
        problems.push({
          path: `/spec/strategy/canary/steps/${index}/analysis`,
          message: 'needs a pause to analyse over (this step holds 0 s)',
        });
      }
    });
  }
  const analysis = obj(spec.analysis);
  const policies = analysis.whenStableFailsToo;
  const baselineOnly =
    policies === 'baselineOnly' ||
    Object.values(obj(policies)).some((policy) => policy === 'baselineOnly');
  if (baselineOnly && analysis.baseline === false) {
    problems.push({
      path: '/spec/analysis/whenStableFailsToo',
      message: 'baselineOnly leaves the verdict to the comparison, which baseline: false turns off',
    });
  }
  const switches = obj(strategy.blueGreen).switch;
  if (Array.isArray(switches) && switches.length > 0) {
    const ascending = switches.every(
      (w, i) => i === 0 || (w as number) > (switches[i - 1] as number),
    );
    if (!ascending) {
      problems.push({ path: '/spec/strategy/blueGreen/switch', message: 'must rise step by step' });
    } else if (switches[switches.length - 1] !== 100) {
      problems.push({ path: '/spec/strategy/blueGreen/switch', message: 'must end at 100' });
    }
  }
  const instances = typeof spec.instances === 'number' ? spec.instances : 1;
  const batch = obj(strategy.rolling).batchSize;
  if (typeof batch === 'number' && batch > instances) {
    problems.push({
      path: '/spec/strategy/rolling/batchSize',
      message: `must be at most the ${instances} instance(s) of the app`,
    });
  }
  if (typeof spec.port === 'number' && spec.run !== undefined) {
    const readiness = obj(spec.readiness);
    if (readiness.port !== undefined) {
      problems.push({
        path: '/spec/readiness/port',
        message: 'is chosen by Codedance for each version; leave it out',
      });
    }
  }
  for (const hook of ['preRollout', 'test', 'step', 'postRollout', 'rollback']) {
    const given = obj(spec.hooks)[hook];
    const hookSpec = obj(given);
    if (given !== undefined && hookSpec.command === undefined && hookSpec.url === undefined) {
      problems.push({ path: `/spec/hooks/${hook}`, message: 'needs a command or a url' });
    }
  }
  return problems;
}

const checkManifest = specValidator<AppManifestInput>(AppManifestSchema, meaningProblems);

/**
 * Checks an app manifest (already parsed from YAML or JSON) and returns the app with every
 * default applied, or every problem with its JSON pointer.
 */
export function validateAppManifest(input: unknown): Validated<AppSpec> {
  const checked = checkManifest(input);
  return checked.ok ? { ok: true, value: normalise(checked.value) } : checked;
}

/** The manifest a stored app came from, for `GET` and export. */
export function appManifest(app: AppSpec): Loose {
  return {
    apiVersion: MANIFEST_API_VERSION,
    kind: 'App',
    metadata: { name: app.name, namespace: app.namespace, labels: app.labels },
    spec: {
      port: app.port,
      instances: app.instances,
      run: app.run,
      ...(app.readiness === null ? {} : { readiness: app.readiness }),
      readinessTimeout: app.readinessTimeoutMs / 1000,
      strategy: {
        type: app.strategy.type,
        canary: {
          steps: app.strategy.canary.steps.map((s) => ({
            weight: s.weight,
            pause: s.pauseMs === null ? {} : s.pauseMs / 1000,
            analysis: s.analysis,
          })),
        },
        blueGreen: {
          switch: app.strategy.blueGreen.switch,
          observe: app.strategy.blueGreen.observeMs / 1000,
        },
        rolling: {
          batchSize: app.strategy.rolling.batchSize,
          pause: app.strategy.rolling.pauseMs / 1000,
        },
      },
      analysis: {
        enabled: app.analysis.enabled,
        interval: app.analysis.intervalMs / 1000,
        minRequests: app.analysis.minRequests,
        failureLimit: app.analysis.failureLimit,
        successRate: app.analysis.successRate,
        errorRate: app.analysis.errorRate,
        ...(app.analysis.latencyP50Ms === null
          ? {}
          : { latencyP50: `${app.analysis.latencyP50Ms}ms` }),
        ...(app.analysis.latencyP90Ms === null
          ? {}
          : { latencyP90: `${app.analysis.latencyP90Ms}ms` }),
        latencyP99: `${app.analysis.latencyP99Ms}ms`,
        ...(app.analysis.requestRate === null ? {} : { requestRate: app.analysis.requestRate }),
        baseline: app.analysis.baseline,
        alpha: app.analysis.alpha,
        minErrorIncrease: app.analysis.minErrorIncrease,
        minLatencyShift: `${app.analysis.minLatencyShiftMs}ms`,
        whenStableFailsToo: stableFailsManifest(app.analysis.whenStableFailsToo),
      },
      autoRollback: app.autoRollback,
      keepPrevious: app.keepPreviousMs / 1000,
      sticky: app.sticky,
      headerRouting: app.headerRouting,
      hooks: Object.fromEntries(
        Object.entries(app.hooks).filter(([, value]) => value !== null && value !== false),
      ),
    },
  };
}
