/**
 * The `CanaryDeployment` CustomResourceDefinition, built from the TypeBox schema: the file
 * `deploy/kubernetes/crd.yaml` is this object as YAML (`npm run crd` writes it, a test checks it).
 */
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  CANARY_GROUP,
  CANARY_KIND,
  CANARY_PLURAL,
  CANARY_SHORT_NAMES,
  CANARY_SINGULAR,
  CANARY_VERSION,
  CanaryDeploymentSchema,
} from '../canary/schema.js';
import { structuralSchema } from './structural.js';

/** Columns of `kubectl get canarydeployments`, as `codedance rollout list` shows a release. */
const PRINTER_COLUMNS = [
  { name: 'App', type: 'string', jsonPath: '.spec.targetDeployment' },
  { name: 'Version', type: 'string', jsonPath: '.spec.canaryVersion' },
  { name: 'Strategy', type: 'string', jsonPath: '.spec.strategy.type' },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Step', type: 'integer', jsonPath: '.status.currentStep' },
  { name: 'Weight', type: 'integer', jsonPath: '.status.currentWeight' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Provider', type: 'string', jsonPath: '.spec.traffic.provider', priority: 1 },
  { name: 'Reason', type: 'string', jsonPath: '.status.reason', priority: 1 },
];

/** The CRD object, ready for `kubectl apply` or the apiextensions API. */
export function canaryDeploymentCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${CANARY_PLURAL}.${CANARY_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'codedance' },
    },
    spec: {
      group: CANARY_GROUP,
      scope: 'Namespaced',
      names: {
        kind: CANARY_KIND,
        listKind: `${CANARY_KIND}List`,
        plural: CANARY_PLURAL,
        singular: CANARY_SINGULAR,
        shortNames: [...CANARY_SHORT_NAMES],
        categories: ['codedance'],
      },
      versions: [
        {
          name: CANARY_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuralSchema(CanaryDeploymentSchema) },
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
        },
      ],
    },
  };
}

/** The command that rewrites `deploy/kubernetes/crd.yaml`. */
export const CRD_WRITE_COMMAND = 'npm run crd';

/** `deploy/kubernetes/crd.yaml` as it should read. */
export function canaryDeploymentCrdYaml(): string {
  return `# Generated from packages/kubernetes/src/canary/schema.ts by \`${CRD_WRITE_COMMAND}\`: edit the schema, not this file.\n${stringify(
    canaryDeploymentCrd(),
    { lineWidth: 100 },
  )}`;
}
