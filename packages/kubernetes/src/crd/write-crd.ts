// `npm run crd`: writes deploy/kubernetes/crd.yaml from the CanaryDeployment schema.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canaryDeploymentCrdYaml } from './crd.js';

const target = fileURLToPath(new URL('../../../../deploy/kubernetes/crd.yaml', import.meta.url));
writeFileSync(target, canaryDeploymentCrdYaml());
process.stdout.write(`wrote ${target}\n`);
