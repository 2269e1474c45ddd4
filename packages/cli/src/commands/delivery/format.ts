import type { AnalysisRecord, DeploymentStep, SideResource } from '@codedance/core';
import { formatTable, type Output, type Style } from '../../output.js';
import { formatMs, localTime, relativeTime } from '../tasks/format.js';
import type { App, Deployment, DeploymentSummary } from '@codedance/api';

const STATUS_STYLE: Record<string, Style> = {
  PENDING: 'dim',
  RUNNING: 'yellow',
  PAUSED: 'yellow',
  COMPLETED: 'green',
  FAILED: 'red',
  ROLLED_BACK: 'red',
  SKIPPED: 'dim',
};

export function paintStatus(out: Output, status: string): string {
  const style = STATUS_STYLE[status];
  return style === undefined ? status : out.paint(style, status);
}

const STEP_MARKS: Record<string, { symbol: string; style: Style }> = {
  PENDING: { symbol: '·', style: 'dim' },
  RUNNING: { symbol: '▸', style: 'yellow' },
  COMPLETED: { symbol: '✓', style: 'green' },
  FAILED: { symbol: '✗', style: 'red' },
  SKIPPED: { symbol: '↷', style: 'dim' },
};

/** ✓ ▸ ✗ ↷ · for a step's status. */
export function stepMark(out: Output, status: string): string {
  const mark = STEP_MARKS[status] ?? { symbol: '?', style: 'bold' };
  return out.paint(mark.style, mark.symbol);
}

const VERDICT_MARKS: Record<string, { symbol: string; style: Style }> = {
  pass: { symbol: '✓', style: 'green' },
  fail: { symbol: '✗', style: 'red' },
  inconclusive: { symbol: '?', style: 'yellow' },
};

export function verdictMark(out: Output, verdict: string): string {
  const mark = VERDICT_MARKS[verdict] ?? { symbol: '?', style: 'bold' };
  return out.paint(mark.style, mark.symbol);
}

/** `14:03:04` in this machine's zone: progress lines are read as they come. */
export function clockTime(iso: string): string {
  return localTime(iso).slice(11);
}

/** How long a release took, or has taken so far. */
export function releaseDuration(d: Pick<Deployment, 'startTime' | 'endTime'>, now: Date): string {
  const end = d.endTime === null ? now.getTime() : Date.parse(d.endTime);
  return formatMs(Math.max(0, end - Date.parse(d.startTime)));
}

/** `v2 over v1`, or `v1 (first release)`. */
export function versionText(d: Pick<DeploymentSummary, 'version' | 'previousVersion'>): string {
  return d.previousVersion === null
    ? `${d.version} (first release)`
    : `${d.version} over ${d.previousVersion}`;
}

/** The `codedance apps` table. */
export function formatAppTable(out: Output, apps: readonly App[], now: Date): string[] {
  const rows = apps.map((a) => {
    const last = a.lastDeployment;
    return [
      `${a.namespace}/${a.name}`,
      String(a.port),
      a.stable === null ? '-' : a.stable.version,
      a.previous === null
        ? '-'
        : `${a.previous.version} warm until ${localTime(a.previous.warmUntil).slice(11)}`,
      last === null
        ? '-'
        : `${paintStatus(out, last.status)} ${last.version}, ${relativeTime(last.startTime, now)}`,
    ];
  });
  return formatTable([['APP', 'PORT', 'STABLE', 'PREVIOUS', 'LAST RELEASE'], ...rows]);
}

/** One app, as `codedance apps get` shows it. */
export function formatApp(out: Output, a: App, now: Date): string[] {
  const side = (s: App['stable']) =>
    s === null ? '-' : `${s.version}  ${s.ready}/${s.instances} ready  ${s.state}  ${s.command}`;
  const last = a.lastDeployment;
  const rows = [
    ['app', `${a.namespace}/${a.name}`],
    ['port', `${a.port} (public; the router listens here)`],
    ['instances', `${a.instances} per version`],
    ['strategy', a.strategy],
    ['stable', side(a.stable)],
    [
      'previous',
      a.previous === null
        ? '-'
        : `${side(a.previous)}, warm until ${localTime(a.previous.warmUntil)}`,
    ],
    [
      'last release',
      last === null
        ? '-'
        : `${last.id} ${paintStatus(out, last.status)} ${versionText(last)}, ${relativeTime(last.startTime, now)}${last.reason === null ? '' : `: ${last.reason}`}`,
    ],
    ['applied', `${localTime(a.appliedAt)} (${relativeTime(a.appliedAt, now)})`],
  ];
  return formatTable(rows);
}

/** The `codedance rollout list` table. */
export function formatDeploymentTable(
  out: Output,
  items: readonly DeploymentSummary[],
  now: Date,
): string[] {
  const rows = items.map((d) => [
    d.id,
    `${d.environment}/${d.app}`,
    d.previousVersion === null ? d.version : `${d.version} ← ${d.previousVersion}`,
    d.deploymentType,
    paintStatus(out, d.status),
    relativeTime(d.startTime, now),
    releaseDuration(d, now),
    d.executor,
    d.reason ?? '',
  ]);
  return formatTable([
    ['ID', 'APP', 'VERSION', 'STRATEGY', 'STATUS', 'STARTED', 'DURATION', 'BY', 'REASON'],
    ...rows,
  ]);
}

function stepTimes(step: DeploymentStep, now: Date): string {
  if (step.startTime === undefined) return '';
  const start = clockTime(step.startTime);
  if (step.endTime === undefined)
    return `${start} → …  ${formatMs(now.getTime() - Date.parse(step.startTime))}`;
  const took = Date.parse(step.endTime) - Date.parse(step.startTime);
  return `${start} → ${clockTime(step.endTime)}  ${formatMs(took)}`;
}

function stepWhat(step: DeploymentStep): string {
  const parts: string[] = [];
  if (step.kind === 'traffic' || step.kind === 'observe' || step.kind === 'batch') {
    if (step.pauseSeconds === null) parts.push('waits for promote');
    else if (step.pauseSeconds !== undefined && step.pauseSeconds > 0)
      parts.push(`hold ${step.pauseSeconds}s`);
    if (step.analysis === true) parts.push('analysed');
  }
  if (step.kind === 'gate') parts.push('waits for promote');
  return parts.join(', ');
}

/** The steps as a timeline: mark, name, what it does, its times, and what happened. */
export function formatSteps(out: Output, d: Deployment, now: Date): string[] {
  const rows = d.progress.steps.map((step, i) => {
    const current = i === d.progress.currentStepIndex && step.status === 'RUNNING';
    const name = current ? out.paint('bold', step.name) : step.name;
    return [
      `${stepMark(out, step.status)} ${name}`,
      stepWhat(step),
      stepTimes(step, now),
      step.detail ?? '',
    ];
  });
  return formatTable(rows, { indent: 2 });
}

function sideRow(out: Output, role: string, side: SideResource): string[] {
  return [
    role,
    side.version,
    `${side.ready}/${side.instances} ready`,
    `${side.traffic}% traffic`,
    side.state,
    side.port === null ? '' : `ports ${side.port}…${side.port + Math.max(0, side.instances - 1)}`,
    out.paint('dim', side.command),
  ];
}

/** The old and the new side of a release. */
export function formatResources(out: Output, d: Deployment): string[] {
  const rows = [
    ...(d.resources.stable === null ? [] : [sideRow(out, 'stable', d.resources.stable)]),
    sideRow(out, 'canary', d.resources.canary),
  ];
  return formatTable(rows, { indent: 2 });
}

function requestsText(a: AnalysisRecord): string {
  const c = `${a.canary.requests} requests, ${a.canary.errors} errors`;
  return a.baseline === null
    ? c
    : `${c} (baseline ${a.baseline.requests} requests, ${a.baseline.errors} errors)`;
}

/** One look of the analysis: its verdict, the step it judged, the reason and the traffic it saw. */
export function analysisHeadline(out: Output, d: Deployment, a: AnalysisRecord): string {
  const step = d.progress.steps[a.step];
  const where =
    step?.weight === undefined ? (step?.name ?? `step ${a.step + 1}`) : `${step.weight}%`;
  const why = a.reason ?? requestsText(a);
  return `${verdictMark(out, a.verdict)} analysis ${a.verdict} at ${where}: ${why}`;
}

/** A look and every piece of evidence behind it. */
export function formatAnalysis(out: Output, d: Deployment, a: AnalysisRecord): string[] {
  const lines = [`  ${clockTime(a.time)}  ${analysisHeadline(out, d, a)}`];
  for (const c of a.checks)
    lines.push(`              ${verdictMark(out, c.verdict)} ${c.evidence}`);
  const comparison = a.comparison;
  if (comparison?.errorTest)
    lines.push(
      `              ${verdictMark(out, comparison.errorTest.decision === 'continue' ? 'inconclusive' : comparison.errorTest.decision)} ${comparison.errorTest.evidence}`,
    );
  if (comparison?.latency)
    lines.push(
      `              ${verdictMark(out, comparison.latency.verdict)} ${comparison.latency.evidence}`,
    );
  return lines;
}

/** How many looks `codedance rollout get` shows. */
const LAST_LOOKS = 3;

/** `codedance rollout get`: the release at a glance. */
export function formatDeployment(out: Output, d: Deployment, now: Date): string[] {
  const ended =
    d.endTime === null
      ? ['running', `for ${releaseDuration(d, now)}`]
      : ['ended', `${localTime(d.endTime)}, after ${releaseDuration(d, now)}`];
  const traffic =
    d.resources.stable === null
      ? `${d.canary.currentWeight}% to ${d.version}`
      : `${d.canary.currentWeight}% to ${d.version}, ${d.resources.stable.traffic}% to ${d.resources.stable.version}`;
  const header = formatTable(
    [
      ['app', `${d.environment}/${d.app}`],
      ['version', versionText(d)],
      ['strategy', d.deploymentType],
      ['status', `${paintStatus(out, d.status)} (${d.progress.percentage}% of steps done)`],
      ...(d.reason === null ? [] : [['reason', d.reason]]),
      ['executor', d.executor],
      ['started', `${localTime(d.startTime)} (${relativeTime(d.startTime, now)})`],
      ended,
      ...(d.warmUntil === null || d.previousVersion === null
        ? []
        : [['previous', `${d.previousVersion} kept warm until ${localTime(d.warmUntil)}`]]),
      ['traffic', traffic],
    ],
    { indent: 2 },
  );
  const lines = [`${out.paint('bold', 'Release')} ${d.id}`, ...header, '', 'Steps'];
  lines.push(...formatSteps(out, d, now), '', 'Resources', ...formatResources(out, d));
  const looks = d.analysis.slice(-LAST_LOOKS);
  if (looks.length > 0) {
    const of =
      d.analysis.length > looks.length ? ` (last ${looks.length} of ${d.analysis.length})` : '';
    lines.push('', `Analysis${of}`);
    for (const a of looks) lines.push(...formatAnalysis(out, d, a));
  }
  return lines;
}

/** The line after a release has started. */
export function formatStarted(out: Output, d: Deployment): string {
  return `${out.mark('pass')} release ${d.id} started: ${d.environment}/${d.app} ${versionText(d)} (${d.deploymentType}) by ${d.executor}`;
}

/** The last line of a release that was followed: how it ended, and why when it failed. */
export function formatOutcome(out: Output, d: Deployment, now: Date): string {
  const what = `${d.environment}/${d.app} ${d.version}`;
  const took = releaseDuration(d, now);
  if (d.status === 'COMPLETED')
    return `${out.mark('pass')} ${what} ${paintStatus(out, d.status)} in ${took}`;
  return `${out.mark('fail')} ${what} ${paintStatus(out, d.status)} after ${took}: ${d.reason ?? 'no reason given'}`;
}
