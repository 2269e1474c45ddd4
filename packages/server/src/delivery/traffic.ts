import { announceTraffic, trafficApplied, type Deployment } from '@codedance/core';
import type { RouteTableInput } from '../router/index.js';
import type { RouterHandle } from './fleet.js';

/**
 * Moves traffic: the record announces the new weights (a change in flight), the router gets
 * the table, and the record confirms it. Whoever reads the record and the router between the
 * two saves sees the change in flight; at any other time the router serves what the record says.
 */
export async function shiftTraffic(
  d: Deployment,
  canaryWeight: number,
  table: (announced: Deployment) => RouteTableInput,
  router: RouterHandle,
  save: (d: Deployment) => Promise<Deployment>,
  now: number,
  extra: (d: Deployment) => Deployment = (x) => x,
): Promise<Deployment> {
  const announced = await save(extra(announceTraffic(d, canaryWeight, now)));
  await router.client.setRoutes(table(announced));
  return save(trafficApplied(announced));
}
