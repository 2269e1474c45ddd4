import { specValidator, type FieldProblem, type Validated } from '@codedance/core';
import { CanaryDeploymentSpecSchema, type CanaryDeploymentSpec } from './schema.js';

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What the CRD's schema cannot say on Kubernetes 1.20, which has no CEL rules. */
function meaningProblems(value: unknown): FieldProblem[] {
  const strategy = record(record(value).strategy);
  const problems: FieldProblem[] = [];
  const steps = Array.isArray(strategy.steps) ? (strategy.steps as unknown[]) : [];
  let last = -1;
  steps.forEach((step, index) => {
    const weight = record(step).weight;
    if (typeof weight !== 'number') return;
    if (weight <= last) {
      problems.push({
        path: `/strategy/steps/${index}/weight`,
        message: `must be greater than the step before (${last})`,
      });
    }
    last = weight;
  });
  if (strategy.type === 'blueGreen' && steps.length > 0 && last !== 100) {
    problems.push({
      path: `/strategy/steps/${steps.length - 1}/weight`,
      message: 'must be 100: a blue-green switch ends with the new side taking all the traffic',
    });
  }
  return problems;
}

const check = specValidator<CanaryDeploymentSpec>(CanaryDeploymentSpecSchema, meaningProblems);

/**
 * Checks a `CanaryDeployment`'s spec as the API server does (same schema, same defaults) and
 * what the schema cannot say; returns the spec with defaults applied, or every problem with its
 * JSON pointer under `spec`.
 */
export function validateCanarySpec(spec: unknown): Validated<CanaryDeploymentSpec> {
  return check(spec);
}
