export type { WorkloadContext } from './context.js';
export { workloadEnvironment } from './environment.js';
export { Starter } from './starter.js';
