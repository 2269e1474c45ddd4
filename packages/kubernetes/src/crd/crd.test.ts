import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V1JSONSchemaProps } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CRD_WRITE_COMMAND, canaryDeploymentCrd, canaryDeploymentCrdYaml } from './crd.js';

const crdFile = fileURLToPath(new URL('../../../../deploy/kubernetes/crd.yaml', import.meta.url));

/** Every node of the schema with its path, for rules that hold everywhere. */
function* nodes(schema: V1JSONSchemaProps, path = ''): Generator<[string, V1JSONSchemaProps]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    yield* nodes(child, `${path}.${name}`);
  }
  if (schema.items !== undefined) yield* nodes(schema.items as V1JSONSchemaProps, `${path}[]`);
}

describe('the CanaryDeployment CRD', () => {
  it(`is what deploy/kubernetes/crd.yaml holds (after a schema change, run ${CRD_WRITE_COMMAND})`, () => {
    expect(readFileSync(crdFile, 'utf8')).toBe(canaryDeploymentCrdYaml());
  });

  it('has a type on every node and never properties beside additionalProperties', () => {
    const schema = canaryDeploymentCrd().spec.versions[0]?.schema?.openAPIV3Schema;
    expect(schema).toBeDefined();
    const all = [...nodes(schema!)];
    expect(all.length).toBeGreaterThan(50);
    for (const [path, node] of all) {
      expect(node.type, path).toMatch(/^(object|array|string|integer|number|boolean)$/);
      if (node.properties !== undefined) expect(node.additionalProperties, path).toBeUndefined();
    }
  });

  it('serves one version with the status subresource and the columns of a release list', () => {
    const [version] = canaryDeploymentCrd().spec.versions;
    expect(version?.subresources).toEqual({ status: {} });
    expect(version?.additionalPrinterColumns?.map((c) => c.name)).toEqual([
      'App',
      'Version',
      'Strategy',
      'Phase',
      'Step',
      'Weight',
      'Age',
      'Provider',
      'Reason',
    ]);
  });
});
