export { CRD_WRITE_COMMAND, canaryDeploymentCrd, canaryDeploymentCrdYaml } from './crd.js';
export { NotStructuralError, structuralSchema } from './structural.js';
