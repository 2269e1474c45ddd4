export {
  LeaderElector,
  processHolder,
  type LeaderElectorOptions,
  type LeaderEvents,
  type LeaderState,
} from './leader.js';
