export { KubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes-runtime.js';
export {
  deploymentName as workloadDeploymentName,
  RUNTIME_LABEL,
  WORKLOAD_LABEL,
} from './objects.js';
export { instanceOf, livePods } from './observe.js';
