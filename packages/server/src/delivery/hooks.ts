import { execFile } from 'node:child_process';
import { parseDuration, type Deployment, type HookSpec } from '@codedance/core';

/** What a hook said: whether it passed, and a line for the record. */
export interface HookOutcome {
  ok: boolean;
  detail: string;
}

const OUTPUT_LIMIT = 2000;

/** The variables a hook command sees about the release. */
export function hookEnv(d: Deployment, hook: string): Record<string, string> {
  return {
    CODEDANCE_HOOK: hook,
    CODEDANCE_DEPLOYMENT: d.id,
    CODEDANCE_APP: d.app,
    CODEDANCE_ENVIRONMENT: d.environment,
    CODEDANCE_VERSION: d.version,
    CODEDANCE_PREVIOUS_VERSION: d.previousVersion ?? '',
    CODEDANCE_STATUS: d.status,
    CODEDANCE_WEIGHT: String(d.canary.currentWeight),
  };
}

/**
 * Runs a hook: its command without a shell (exit code 0 passes), or a POST of the release to
 * its URL (a 2xx answer passes). Either is stopped after its timeout (30 s by default).
 */
export async function runHook(
  spec: HookSpec,
  d: Deployment,
  hook: string,
  env: NodeJS.ProcessEnv,
): Promise<HookOutcome> {
  const timeout = parseDuration(spec.timeout ?? '30s') ?? 30_000;
  if (spec.command !== undefined) {
    const [file, ...args] = spec.command;
    return new Promise((resolve) => {
      execFile(
        file ?? '',
        args,
        {
          timeout,
          env: { ...env, ...hookEnv(d, hook) },
          maxBuffer: 1024 * 1024,
          killSignal: 'SIGKILL',
        },
        (error, stdout, stderr) => {
          const output = `${stdout}${stderr}`.trim().slice(-OUTPUT_LIMIT);
          if (error === null) {
            resolve({ ok: true, detail: output === '' ? 'exit code 0' : output });
            return;
          }
          const code: unknown = (error as { code?: unknown }).code;
          const why = error.killed
            ? `timed out after ${timeout} ms`
            : typeof code === 'number'
              ? `exit code ${code}`
              : error.message;
          resolve({ ok: false, detail: output === '' ? why : `${why}: ${output}` });
        },
      );
    });
  }
  if (spec.url !== undefined) {
    try {
      const answer = await fetch(spec.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hook, deployment: summaryOf(d) }),
        signal: AbortSignal.timeout(timeout),
      });
      const text = (await answer.text()).slice(0, OUTPUT_LIMIT);
      return { ok: answer.ok, detail: `HTTP ${answer.status}${text === '' ? '' : `: ${text}`}` };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }
  return { ok: true, detail: 'nothing to run' };
}

function summaryOf(d: Deployment) {
  return {
    id: d.id,
    app: d.app,
    environment: d.environment,
    version: d.version,
    previousVersion: d.previousVersion,
    status: d.status,
    reason: d.reason,
    step: d.progress.currentStep,
    weight: d.canary.currentWeight,
  };
}

const EMOJI: Record<string, string> = {
  RUNNING: ':arrow_forward:',
  PAUSED: ':double_vertical_bar:',
  COMPLETED: ':white_check_mark:',
  FAILED: ':x:',
  ROLLED_BACK: ':leftwards_arrow_with_hook:',
};

/**
 * Tells the state-change webhook (Slack-compatible: `text` and `attachments`) that the release
 * changed status. Best effort: a webhook that is down never holds the release up.
 */
export async function notifyWebhook(url: string, d: Deployment, previous: string): Promise<void> {
  const text =
    `${EMOJI[d.status] ?? ''} ${d.app} ${d.version} (${d.environment}): ${previous} → ${d.status}` +
    (d.reason === null ? '' : ` — ${d.reason}`);
  await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      text: text.trim(),
      attachments: [
        {
          color: d.status === 'COMPLETED' ? 'good' : d.status === 'RUNNING' ? '#439FE0' : 'danger',
          fields: [
            { title: 'Step', value: d.progress.currentStep, short: true },
            { title: 'Traffic', value: `${d.canary.currentWeight}%`, short: true },
            { title: 'Strategy', value: d.deploymentType, short: true },
            { title: 'Executor', value: d.executor, short: true },
          ],
        },
      ],
      deployment: summaryOf(d),
    }),
    signal: AbortSignal.timeout(5000),
  }).catch(() => undefined);
}
