export { CanaryController, type CanaryControllerOptions } from './controller.js';
export { LeaseElector, type LeaseElectorOptions } from './leader.js';
export { CLEANUP_FINALIZER } from './reconcile.js';
export { canaryName } from './release-world.js';
export { releaseOf, type ReleaseState } from './status.js';
