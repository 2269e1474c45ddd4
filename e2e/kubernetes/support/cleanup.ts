// Stopping a run and removing everything it made; finding what killed runs left behind.
import { rm } from 'node:fs/promises';
import { dropSubnetRoute, listSandboxes, releaseSubnets, removeSandbox } from './network.js';
import { stopProcess } from './processes.js';
import { isStale, listRuns, readRun, removeRun, type RunRecord } from './runs.js';

/**
 * Stops a run's processes in reverse start order (each gets `graceMs` after SIGTERM before
 * SIGKILL), deletes its pod sandboxes, frees its subnets, and removes its folder and record.
 */
export async function stopRun(run: RunRecord, graceMs: number): Promise<void> {
  for (const recorded of [...run.processes].reverse()) await stopProcess(recorded, graceMs);
  for (const sandbox of await listSandboxes()) {
    if (sandbox.runId === run.id) await removeSandbox(sandbox);
  }
  for (const cidr of run.subnets) await dropSubnetRoute(cidr);
  releaseSubnets(run.id);
  if (run.kind === 'cluster' && run.dir) await rm(run.dir, { recursive: true, force: true });
  removeRun(run.id);
}

/**
 * Removes what runs whose owner died left behind: their processes (killed at once), network
 * namespaces, veths, routes and subnet claims. Returns the ids of the runs it cleaned up.
 */
export async function reapStaleRuns(): Promise<string[]> {
  const reaped: string[] = [];
  for (const run of listRuns()) {
    if (!isStale(run)) continue;
    await stopRun(run, 0);
    reaped.push(run.id);
  }
  // Sandboxes made by a run whose record is gone (killed between creating one and recording it).
  for (const sandbox of await listSandboxes()) {
    if (readRun(sandbox.runId) === null) await removeSandbox(sandbox);
  }
  releaseSubnets('');
  return reaped;
}
