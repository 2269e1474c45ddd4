import { Type, type Static } from 'typebox';
import {
  APP_NAME_PATTERN,
  CANARY_PHASES,
  DEPLOYMENT_ACTIONS,
  DEPLOYMENT_STATUSES,
  DEPLOYMENT_TYPES,
  NAMESPACE_PATTERN,
  RunSpecSchema,
  type AnalysisRecord,
  type AnalysisSettings,
  type CheckResult,
  type Deployment as DeploymentRecord,
  type DeploymentStep,
  type DeploymentSummary as DeploymentRow,
  type HookSettings,
  type SideResource,
  type StepState,
  type StrategySettings,
} from '@codedance/core';
import { Nullable, Open } from './common.js';
import { Described } from './typed.js';
import { PageAnswer, PageQuery, PrefixFilter, StatusFilter } from './paging.js';

/** Ids this server gives look like `dep-20261202-3f9a0c1e`; anything id-shaped is looked up (404 when unknown). */
const DEPLOYMENT_ID = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

export const AppParams = Type.Object(
  {
    namespace: Type.String({ pattern: NAMESPACE_PATTERN }),
    name: Type.String({ pattern: APP_NAME_PATTERN }),
  },
  { additionalProperties: false },
);
export const DeploymentIdParams = Type.Object(
  { id: Type.String({ pattern: DEPLOYMENT_ID }) },
  { additionalProperties: false },
);
export const DeploymentActionParams = Type.Object(
  { id: Type.String({ pattern: DEPLOYMENT_ID }), action: Type.Enum([...DEPLOYMENT_ACTIONS]) },
  { additionalProperties: false },
);

/** The filters the deployment list and its export share. */
export const DeploymentFilters = {
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: StatusFilter(DEPLOYMENT_STATUSES),
  app: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
};

/** `GET /api/deployments`: newest first unless order=asc. */
export const DeploymentsQuery = PageQuery(DeploymentFilters);
export type DeploymentsQuery = Static<typeof DeploymentsQuery>;

/** `GET /api/deployments/export` */
export const DeploymentsExportQuery = Type.Object(
  {
    ...DeploymentFilters,
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
  },
  { additionalProperties: false },
);

const SeedKey = {
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
};

/** Seed 000's `?namespace=&name=` */
export const SeedQuery = Type.Object(SeedKey, { additionalProperties: false });
export type SeedQuery = Static<typeof SeedQuery>;

/**
 * `GET /api/canaries`: seed 000's query, and paging for the list it answers without one
 * (a bare array; the page's total and next cursor are the X-Total-Count and X-Next-Cursor headers).
 */
export const CanaryQuery = PageQuery(SeedKey);
export type CanaryQuery = Static<typeof CanaryQuery>;

/** `GET /api/apps`: by namespace and name; `prefix` is of the name within `namespace` when given, else of `namespace.name`. */
export const AppListQuery = PageQuery({
  namespace: Type.Optional(Type.String({ pattern: NAMESPACE_PATTERN })),
  prefix: PrefixFilter,
});
export type AppListQuery = Static<typeof AppListQuery>;

/** `POST /api/deployments` */
export const DeployBody = Type.Object(
  {
    app: Type.String({ pattern: APP_NAME_PATTERN }),
    namespace: Type.Optional(Type.String({ pattern: NAMESPACE_PATTERN })),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    run: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strategy: Type.Optional(Type.Enum([...DEPLOYMENT_TYPES])),
    executor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type DeployBody = Static<typeof DeployBody>;

const Status = Type.Enum([...DEPLOYMENT_STATUSES]);
const DeploymentType = Type.Enum([...DEPLOYMENT_TYPES]);
const Phase = Type.Enum([...CANARY_PHASES]);
const Time = Type.String();
const Count = Type.Number();
const MaybeNumber = Nullable(Type.Number());

const StepSchema = Described<DeploymentStep>()(
  Type.Object({
    name: Type.String(),
    kind: Type.String(),
    weight: Type.Optional(Type.Number()),
    pauseSeconds: Type.Optional(MaybeNumber),
    analysis: Type.Optional(Type.Boolean()),
    instances: Type.Optional(Type.Object({ canary: Count, stable: Count })),
    status: Type.String(),
    startTime: Type.Optional(Time),
    endTime: Type.Optional(Time),
    detail: Type.Optional(Type.String()),
  }),
);

const SideProperties = {
  version: Type.String(),
  service: Type.String(),
  instances: Count,
  ready: Count,
  command: Type.String(),
  traffic: Type.Number({ description: 'Percent of requests routed here.' }),
  state: Type.String(),
  port: Nullable(Type.Integer()),
};
const SideSchema = Described<SideResource>()(Type.Object(SideProperties));

const MetricPointSchema = Type.Object({ time: Time, version: Type.String(), value: Type.Number() });

/**
 * One version over a window, in the units of seed 000's metrics API: rates in percent,
 * latencies in ms, requests per second; null where the window had no request.
 */
const WindowValues = {
  requests: Count,
  successRate: MaybeNumber,
  errorRate: MaybeNumber,
  latencyP50: MaybeNumber,
  latencyP90: MaybeNumber,
  latencyP99: MaybeNumber,
  requestRate: Type.Number(),
};
const WindowMetricsSchema = Type.Object(WindowValues);

const CheckSchema = Described<CheckResult>()(
  Type.Object({
    metric: Type.String(),
    value: MaybeNumber,
    threshold: Type.Number(),
    unit: Type.String(),
    comparator: Type.String(),
    verdict: Type.String(),
    evidence: Type.String(),
    stableFailsToo: Type.Optional(
      Type.Object({
        code: Type.String(),
        policy: Type.String(),
        stableValue: MaybeNumber,
        evidence: Type.String(),
      }),
    ),
  }),
);

const Requests = Type.Object({ requests: Count, errors: Count });
const AnalysisSchema = Described<AnalysisRecord>()(
  Type.Object({
    time: Time,
    step: Type.Integer(),
    verdict: Type.String(),
    reason: Nullable(Type.String()),
    checks: Type.Array(CheckSchema),
    comparison: Nullable(
      Type.Object({
        errorTest: Nullable(Type.Object({ decision: Type.String(), evidence: Type.String() })),
        latency: Nullable(Type.Object({ verdict: Type.String(), evidence: Type.String() })),
      }),
    ),
    canary: Requests,
    baseline: Nullable(Requests),
  }),
);

const Weights = Type.Record(Type.String(), Type.Number());

const ConfigSchema = Type.Object({
  strategy: Open<StrategySettings>(
    'StrategySettings',
    "The app's strategy as its manifest set it, defaults filled in.",
  ),
  steps: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.String(),
      weight: Type.Optional(Type.Number()),
      pauseSeconds: Type.Optional(MaybeNumber),
    }),
  ),
  analysis: Open<AnalysisSettings>(
    'AnalysisSettings',
    "The app's analysis settings as its manifest set them, defaults filled in.",
  ),
  autoRollback: Type.Boolean(),
  keepPreviousSeconds: Type.Number(),
  sticky: Type.Boolean(),
  hooks: Open<HookSettings>('HookSettings', "The app's hooks as its manifest set them."),
});

/** What a release record and its summary row both start with. */
const ReleaseHead = {
  id: Type.String(),
  app: Type.String(),
  environment: Type.String(),
  version: Type.String(),
  previousVersion: Nullable(Type.String()),
  deploymentType: DeploymentType,
  status: Status,
  reason: Nullable(Type.String()),
  executor: Type.String(),
  startTime: Time,
  endTime: Nullable(Time),
};

/** A release: seed 003's deployment record and seed 000's status, as the store keeps it. */
export const DeploymentSchema = Described<DeploymentRecord>()(
  Type.Object({
    ...ReleaseHead,
    progress: Type.Object({
      percentage: Type.Number(),
      currentStep: Type.String(),
      currentStepIndex: Type.Integer(),
      steps: Type.Array(StepSchema),
    }),
    canary: Type.Object({
      phase: Phase,
      currentStep: Type.Integer(),
      currentWeight: Type.Number(),
      desiredWeight: Type.Number(),
    }),
    resources: Type.Object({ stable: Nullable(SideSchema), canary: SideSchema }),
    metrics: Type.Object({
      successRate: Type.Array(MetricPointSchema),
      responseTime: Type.Array(MetricPointSchema),
    }),
    latestWindow: Type.Optional(
      Nullable(
        Type.Object({
          from: Time,
          to: Time,
          versions: Type.Record(Type.String(), WindowMetricsSchema),
        }),
      ),
    ),
    analysis: Type.Array(AnalysisSchema),
    config: ConfigSchema,
    run: RunSpecSchema,
    logs: Type.Array(Type.Object({ time: Time, message: Type.String() })),
    hooks: Type.Array(
      Type.Object({
        hook: Type.String(),
        step: Type.Integer(),
        startedAt: Time,
        endedAt: Nullable(Time),
        ok: Nullable(Type.Boolean()),
        detail: Type.String(),
      }),
    ),
    stepState: Nullable(
      Open<StepState>('StepState', "The running step's memory, kept so a restart resumes it."),
    ),
    requested: Nullable(
      Type.Object({
        action: Type.String(),
        at: Time,
        by: Type.String(),
        warm: Type.Optional(Type.Boolean()),
      }),
    ),
    ending: Nullable(Type.Object({ outcome: Type.String(), reason: Type.String(), since: Time })),
    warmUntil: Nullable(Time),
    trafficChange: Nullable(Type.Object({ from: Weights, to: Weights, since: Time })),
  }),
);

export type Deployment = Static<typeof DeploymentSchema>;

/** The compact row a list, a filter and an export work on. */
export const DeploymentSummarySchema = Described<DeploymentRow>()(
  Type.Object({
    ...ReleaseHead,
    durationMs: MaybeNumber,
    phase: Phase,
    currentStep: Type.Integer(),
    currentWeight: Type.Number(),
    percentage: Type.Number(),
  }),
);

export type DeploymentSummary = Static<typeof DeploymentSummarySchema>;

/** `GET /api/deployments` */
export const DeploymentPageSchema = PageAnswer('items', DeploymentSummarySchema);
export type DeploymentPage = Static<typeof DeploymentPageSchema>;

/** `GET /api/deployments/export?format=json` (a file) */
export const DeploymentExportSchema = Type.Object({
  deployments: Type.Array(DeploymentSummarySchema),
  total: Type.Integer(),
});

const ServingSide = Type.Object({ ...SideProperties, run: RunSpecSchema });

/** An App manifest as applied: what a person wrote, with the run every version starts from. */
export type AppManifest = Record<string, unknown> & {
  spec: Record<string, unknown> & { run: Static<typeof RunSpecSchema> };
};

/** An app: its manifest, the versions that serve it and its last release. */
export const AppSchema = Type.Object({
  name: Type.String(),
  namespace: Type.String(),
  key: Type.String(),
  port: Type.Integer(),
  instances: Type.Integer(),
  strategy: DeploymentType,
  stable: Nullable(ServingSide),
  previous: Nullable(
    Type.Object({
      ...ServingSide.properties,
      warmUntil: Time,
      deployment: Type.String({ description: 'The release that replaced it.' }),
    }),
  ),
  lastDeployment: Nullable(DeploymentSummarySchema),
  appliedAt: Time,
  manifest: Open<AppManifest>(
    'AppManifest',
    'The App manifest as applied (apiVersion deploy.codedance.io/v1alpha1), as a person wrote it.',
  ),
});
export type App = Static<typeof AppSchema>;

/** `GET /api/apps/{namespace}/{name}`: the app, and its router's own report when it has one. */
export const AppDetailSchema = Type.Object({
  ...AppSchema.properties,
  router: Nullable(
    Open(
      'RouterStatus',
      "The traffic router's own report on this app; its fields are the provider's.",
    ),
  ),
});
export type AppDetail = Static<typeof AppDetailSchema>;

/** `GET /api/apps` */
export const AppListSchema = PageAnswer('apps', AppSchema);
export type AppList = Static<typeof AppListSchema>;

/** `POST /api/apply` */
export const ApplyAnswerSchema = Type.Object({ created: Type.Boolean(), app: AppSchema });
export type ApplyAnswer = Static<typeof ApplyAnswerSchema>;

/** Seed 000's list row: an app's latest release. */
export const CanarySummarySchema = Type.Object({
  name: Type.String(),
  namespace: Type.String(),
  phase: Phase,
  currentStep: Type.Integer(),
  currentWeight: Type.Number(),
  strategy: Type.String(),
  status: Status,
  version: Type.String(),
  deployment: Type.String(),
  createdAt: Time,
});
export type CanarySummary = Static<typeof CanarySummarySchema>;

const Threshold = Type.Object({ threshold: Type.Number(), unit: Type.String() });

/** Seed 000's `CanaryDeployment` resource for an app's latest release. */
export const CanaryResourceSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.Literal('CanaryDeployment'),
  metadata: Type.Object({
    name: Type.String(),
    namespace: Type.String(),
    creationTimestamp: Time,
    deployment: Type.String(),
  }),
  spec: Type.Object({
    targetDeployment: Type.String(),
    canaryVersion: Type.String(),
    stableVersion: Nullable(Type.String()),
    strategy: Type.Object({
      type: Type.String(),
      deploymentType: DeploymentType,
      steps: Type.Array(
        Type.Object({
          name: Type.String(),
          weight: Type.Optional(Type.Number()),
          pause: Type.Union([Type.String(), Type.Object({}, { additionalProperties: false })], {
            description: '"30s", or {} to wait for promote.',
          }),
        }),
      ),
    }),
    metrics: Type.Object({
      successRate: Threshold,
      errorRate: Threshold,
      latency: Type.Object({
        p99: Type.String(),
        p90: Type.Optional(Type.String()),
        p50: Type.Optional(Type.String()),
      }),
      interval: Type.String(),
      minRequests: Type.Number(),
      failureLimit: Type.Number(),
    }),
    autoRollback: Type.Object({ enabled: Type.Boolean(), onMetricsFail: Type.Boolean() }),
  }),
  status: Type.Object({
    phase: Phase,
    currentStep: Type.Integer(),
    currentWeight: Type.Number(),
    status: Status,
    reason: Nullable(Type.String()),
  }),
});
export type CanaryResource = Static<typeof CanaryResourceSchema>;

/** `GET /api/canaries`: every app's latest release, or with namespace and name that one resource. */
export const CanariesAnswerSchema = Type.Union([
  Type.Array(CanarySummarySchema),
  CanaryResourceSchema,
]);

/** Seed 000's `GET /api/metrics`: the focus version's values on top, every version's below. */
export const LiveMetricsSchema = Type.Object({
  timestamp: Type.Integer({ description: 'Seconds since the epoch.' }),
  version: Nullable(Type.String()),
  ...WindowValues,
  windowSeconds: Type.Number(),
  units: Type.Object({
    successRate: Type.String(),
    errorRate: Type.String(),
    latencyP50: Type.String(),
    latencyP90: Type.String(),
    latencyP99: Type.String(),
    requestRate: Type.String(),
    windowSeconds: Type.String(),
  }),
  versions: Type.Record(Type.String(), WindowMetricsSchema),
});
export type LiveMetrics = Static<typeof LiveMetricsSchema>;
export type LiveMetricValues = LiveMetrics['versions'][string];
export type CanariesAnswer = Static<typeof CanariesAnswerSchema>;
export type DeploymentExport = Static<typeof DeploymentExportSchema>;
