/**
 * The `CanaryDeployment` custom resource (seed 000): one TypeBox schema is the source of the
 * TypeScript types and of the CRD's structural OpenAPI schema (`deploy/kubernetes/crd.yaml`),
 * so what the API server refuses and what the code expects never drift apart.
 *
 * Kubernetes 1.20 has no CEL rules: everything here is a plain JSON Schema value check that the
 * API server enforces itself (type, range, pattern, enum, required). What the schema cannot say
 * (weights rising step by step) is checked by the controller and shown in the status.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { Type, type Static } from 'typebox';
import { CANARY_PHASES } from '@codedance/core';

export const CANARY_GROUP = 'deploy.codedance.io';
export const CANARY_VERSION = 'v1alpha1';
export const CANARY_API_VERSION = `${CANARY_GROUP}/${CANARY_VERSION}`;
export const CANARY_KIND = 'CanaryDeployment';
export const CANARY_PLURAL = 'canarydeployments';
export const CANARY_SINGULAR = 'canarydeployment';
export const CANARY_SHORT_NAMES = ['canary', 'canaries'] as const;

/** How the canary's traffic is raised (seed 000's presets, and blue-green as seed 003 has it). */
export const CANARY_STRATEGIES = ['linear', 'exponential', 'manual', 'blueGreen'] as const;
export type CanaryStrategy = (typeof CANARY_STRATEGIES)[number];

/** Which data plane carries the split between the stable and the canary version. */
export const TRAFFIC_PROVIDERS = ['router', 'replicas', 'gatewayAPI', 'nginx', 'istio'] as const;
export type TrafficProvider = (typeof TRAFFIC_PROVIDERS)[number];

/** A step pause that waits until someone promotes the release. */
export const PAUSE_UNTIL_PROMOTED = 'untilPromoted';

/** `500ms`, `30s`, `2m`, `1h30m`: a subset of what core's `parseDuration` reads, without spaces. */
const DURATION = '([0-9]+(\\.[0-9]+)?(ms|h|m|s))+';
export const DURATION_TEXT_PATTERN = `^${DURATION}$`;
/** A Deployment's name: a DNS-1123 subdomain. */
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A Service's name: a DNS-1035 label. */
const DNS_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
/** A version becomes a label value on the canary's pods. */
const LABEL_VALUE = '^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const HTTP_URL = '^https?://';

const Duration = (description: string, defaultValue?: string) =>
  Type.String({
    pattern: DURATION_TEXT_PATTERN,
    maxLength: 32,
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });

const Fraction = (description: string, defaultValue: number) =>
  Type.Number({ minimum: 0, maximum: 1, default: defaultValue, description });

const ServiceName = (description: string) =>
  Type.String({ pattern: DNS_LABEL, maxLength: 63, description });

const EnvVarSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' }),
  value: Type.String({ maxLength: 65_536 }),
});

const TemplatePatchSchema = Type.Object(
  {
    container: Type.Optional(
      Type.String({
        pattern: DNS_LABEL,
        maxLength: 63,
        description: 'The container to change; the first container of the pod when left out.',
      }),
    ),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description:
          "The canary's image; left out, the target's image with its tag set to canaryVersion.",
      }),
    ),
    env: Type.Optional(
      Type.Array(EnvVarSchema, {
        maxItems: 64,
        description: 'Variables set (or replaced) in the container for the canary.',
      }),
    ),
  },
  { description: "What the canary's pods change in the target Deployment's pod template." },
);

const StepSchema = Type.Object({
  weight: Type.Integer({
    minimum: 0,
    maximum: 100,
    description: 'Percent of the traffic the canary takes at this step.',
  }),
  pause: Type.Optional(
    Type.String({
      pattern: `^(${PAUSE_UNTIL_PROMOTED}|${DURATION})$`,
      maxLength: 32,
      description: `How long the step holds (such as 2m), or ${PAUSE_UNTIL_PROMOTED} to wait for a promote.`,
    }),
  ),
  analysis: Type.Optional(
    Type.Boolean({ description: 'Judge the metrics over the pause; on by default when it holds.' }),
  ),
});

const StrategySchema = Type.Object(
  {
    type: Type.Optional(
      Type.Enum([...CANARY_STRATEGIES], {
        default: 'linear',
        description:
          'linear (20, 40, 60, 80 %), exponential (5, 10, 20, 40, 80 %), manual (10, 50 %, each waiting for a promote), or blueGreen (the new side takes the traffic in the steps given, 100 % at once by default).',
      }),
    ),
    steps: Type.Optional(
      Type.Array(StepSchema, {
        minItems: 1,
        maxItems: 20,
        description: "The steps, replacing the type's preset; weights rise from step to step.",
      }),
    ),
    stepPause: Type.Optional(Duration('How long a preset step holds.', '30s')),
    observe: Type.Optional(
      Duration('blueGreen: how long the new side is watched at 100 % before the old retires.'),
    ),
  },
  { default: {} },
);

const MetricsSchema = Type.Object(
  {
    successRate: Type.Optional(
      Type.Object(
        {
          threshold: Type.Optional(
            Fraction('The least share of answers that succeed (0.95 is 95 %).', 0.95),
          ),
        },
        { default: {} },
      ),
    ),
    errorRate: Type.Optional(
      Type.Object(
        {
          threshold: Type.Optional(
            Fraction('The greatest share of answers that fail (5xx).', 0.05),
          ),
        },
        { default: {} },
      ),
    ),
    latency: Type.Optional(
      Type.Object(
        {
          p50: Type.Optional(Duration('The greatest median latency.')),
          p90: Type.Optional(Duration('The greatest 90th percentile latency.')),
          p99: Type.Optional(Duration('The greatest 99th percentile latency.', '200ms')),
        },
        { default: {} },
      ),
    ),
    requestRate: Type.Optional(
      Type.Object({
        min: Type.Number({
          minimum: 0,
          description: 'Requests per second the canary needs for a verdict to count.',
        }),
      }),
    ),
  },
  {
    default: {},
    description: 'Thresholds every step must meet; breaking one fails the step.',
  },
);

const AnalysisSchema = Type.Object(
  {
    interval: Type.Optional(Duration('How often the metrics are judged during a step.', '10s')),
    failureLimit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        default: 1,
        description: 'Failed verdicts tolerated before the step fails.',
      }),
    ),
    minRequests: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        default: 20,
        description: 'Requests to the canary an interval needs before it is judged at all.',
      }),
    ),
    baseline: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(
            Type.Boolean({
              default: true,
              description: 'Compare the canary with the stable version, not only with thresholds.',
            }),
          ),
          alpha: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              maximum: 0.2,
              default: 0.01,
              description: 'Significance level of the statistical comparison.',
            }),
          ),
          minErrorIncrease: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              maximum: 0.5,
              default: 0.02,
              description: 'The least rise of the error rate over stable that counts as worse.',
            }),
          ),
          minLatencyShift: Type.Optional(
            Duration('The least latency shift over stable that counts as worse.', '25ms'),
          ),
        },
        { default: {} },
      ),
    ),
  },
  { default: {} },
);

const HookSchema = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: HTTP_URL,
        maxLength: 2048,
        description: 'Called with POST; a 2xx answer passes.',
      }),
    ),
    command: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
        minItems: 1,
        maxItems: 64,
        description: "Run as a Job from the canary's pod template; exit 0 passes.",
      }),
    ),
    timeout: Type.Optional(Duration('How long the hook may take.', '5m')),
  },
  {
    // Structural schemas allow `required` inside anyOf: 1.20 refuses a hook with neither.
    anyOf: [{ required: ['url'] }, { required: ['command'] }],
    description: 'A check or an action at one point of the release: a url, a command, or both.',
  },
);

const HooksSchema = Type.Object({
  preRollout: Type.Optional(HookSchema),
  test: Type.Optional(HookSchema),
  step: Type.Optional(HookSchema),
  postRollout: Type.Optional(HookSchema),
  rollback: Type.Optional(HookSchema),
  confirmPromotion: Type.Optional(
    Type.Boolean({ description: 'Wait for a person before the canary takes all the traffic.' }),
  ),
  webhook: Type.Optional(
    Type.String({
      pattern: HTTP_URL,
      maxLength: 2048,
      description: 'Told of every change of phase.',
    }),
  ),
});

const ParentRefSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253 }),
  namespace: Type.Optional(Type.String({ pattern: DNS_LABEL, maxLength: 63 })),
  sectionName: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
});

const HostName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
});

const TrafficSchema = Type.Object(
  {
    provider: Type.Optional(
      Type.Enum([...TRAFFIC_PROVIDERS], {
        default: 'router',
        description:
          "router (Codedance's own router, run beside the app: exact weights, header and cookie pinning, per-version metrics), replicas (the canary's share of the pods behind one Service), gatewayAPI (an HTTPRoute), nginx (a canary Ingress) or istio (a VirtualService).",
      }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65_535,
        default: 80,
        description: "The Services' port.",
      }),
    ),
    stableService: Type.Optional(
      ServiceName('The Service of the stable pods; <targetDeployment>-stable when left out.'),
    ),
    canaryService: Type.Optional(
      ServiceName('The Service of the canary pods; <targetDeployment>-canary when left out.'),
    ),
    headerRouting: Type.Optional(
      Type.Boolean({
        description:
          'Honour the x-canary: always | never request header; on where the provider can.',
      }),
    ),
    sticky: Type.Optional(
      Type.Boolean({ description: 'Keep each client on the version it first got, by cookie.' }),
    ),
    gatewayAPI: Type.Optional(
      Type.Object({
        parentRefs: Type.Array(ParentRefSchema, { minItems: 1, maxItems: 32 }),
        hostnames: Type.Optional(Type.Array(HostName, { maxItems: 16 })),
        path: Type.Optional(Type.String({ pattern: '^/', maxLength: 1024, default: '/' })),
      }),
    ),
    nginx: Type.Optional(
      Type.Object({
        host: Type.Optional(HostName),
        path: Type.Optional(Type.String({ pattern: '^/', maxLength: 1024, default: '/' })),
        ingressClassName: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
        tlsSecretName: Type.Optional(Type.String({ pattern: DNS_SUBDOMAIN, maxLength: 253 })),
      }),
    ),
    istio: Type.Optional(
      Type.Object({
        hosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
          minItems: 1,
          maxItems: 16,
        }),
        gateways: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 16 }),
        ),
      }),
    ),
  },
  { default: {} },
);

export const CanaryDeploymentSpecSchema = Type.Object({
  targetDeployment: Type.String({
    pattern: DNS_SUBDOMAIN,
    maxLength: 253,
    description: 'The Deployment in this namespace whose new version is released.',
  }),
  canaryVersion: Type.String({
    pattern: LABEL_VALUE,
    maxLength: 63,
    description: 'The new version, as shown and as put on its pods (deploy.codedance.io/version).',
  }),
  templatePatch: Type.Optional(TemplatePatchSchema),
  paused: Type.Optional(
    Type.Boolean({ description: 'Holds the release where it is until set back to false.' }),
  ),
  strategy: Type.Optional(StrategySchema),
  metrics: Type.Optional(MetricsSchema),
  analysis: Type.Optional(AnalysisSchema),
  autoRollback: Type.Optional(
    Type.Object(
      {
        enabled: Type.Optional(Type.Boolean({ default: true })),
        onMetricsFail: Type.Optional(
          Type.Boolean({
            default: true,
            description: 'Roll back when a step fails its metrics; otherwise pause.',
          }),
        ),
      },
      { default: {} },
    ),
  ),
  hooks: Type.Optional(HooksSchema),
  traffic: Type.Optional(TrafficSchema),
});

const ConditionSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 316 }),
  status: Type.Enum(['True', 'False', 'Unknown']),
  reason: Type.Optional(Type.String({ maxLength: 1024 })),
  message: Type.Optional(Type.String({ maxLength: 32_768 })),
  lastTransitionTime: Type.Optional(Type.String({ format: 'date-time' })),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const CanaryDeploymentStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  phase: Type.Optional(
    Type.Enum([...CANARY_PHASES], { description: 'Progressing, Paused, Succeeded or Failed.' }),
  ),
  currentStep: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Index of the step in force, from 0.' }),
  ),
  currentWeight: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 100, description: "The canary's percent of traffic." }),
  ),
  stableVersion: Type.Optional(Type.String({ maxLength: 63 })),
  canaryVersion: Type.Optional(Type.String({ maxLength: 63 })),
  reason: Type.Optional(
    Type.String({ maxLength: 1024, description: 'Why the phase is what it is.' }),
  ),
  startedAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  release: Type.Optional(
    Type.Object(
      {},
      {
        'x-kubernetes-preserve-unknown-fields': true,
        description:
          "The controller's record of the release (steps, analysis, traffic), from which it resumes.",
      },
    ),
  ),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, {
      maxItems: 32,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  ),
});

export const CanaryDeploymentSchema = Type.Object({
  // The API server sets these three and checks them itself; the schema leaves them be.
  apiVersion: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Object({})),
  spec: CanaryDeploymentSpecSchema,
  status: Type.Optional(CanaryDeploymentStatusSchema),
});

export type CanaryDeploymentSpec = Static<typeof CanaryDeploymentSpecSchema>;
export type CanaryDeploymentStatus = Static<typeof CanaryDeploymentStatusSchema>;
export type CanaryStepSpec = Static<typeof StepSchema>;
export type CanaryHookSpec = Static<typeof HookSchema>;
export type CanaryTrafficSpec = Static<typeof TrafficSchema>;
export type CanaryCondition = Static<typeof ConditionSchema>;

/** A `CanaryDeployment` as the API server stores it. */
export interface CanaryDeployment {
  apiVersion: typeof CANARY_API_VERSION;
  kind: typeof CANARY_KIND;
  metadata: V1ObjectMeta;
  spec: CanaryDeploymentSpec;
  status?: CanaryDeploymentStatus;
}
