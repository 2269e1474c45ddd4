import type { Command } from 'commander';
import type { Wrap } from '../../context.js';
import { registerApps } from './apps.js';
import { registerDeploy } from './deploy.js';
import { registerRollout } from './rollout.js';

/** Progressive delivery: `apply`, `apps`, `deploy` and `rollout …`. */
export function registerDelivery(program: Command, wrap: Wrap): void {
  registerApps(program, wrap);
  registerDeploy(program, wrap);
  registerRollout(program, wrap);
}
