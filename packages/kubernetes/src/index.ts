/**
 * Codedance on Kubernetes: the `CanaryDeployment` resource and its CRD, the traffic providers
 * that write cluster objects, and Prometheus as a metrics source.
 */
export * from './canary/index.js';
export * from './crd/index.js';
export * from './rbac/index.js';
export * from './traffic/index.js';
export * from './metrics/index.js';
export * from './runtime/index.js';
export * from './router/index.js';
export * from './controller/index.js';
