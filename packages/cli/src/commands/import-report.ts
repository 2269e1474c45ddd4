import type { ImportAnswer, ImportPlan } from '@codedance/api';
import { formatTable, type Output } from '../output.js';

/** The plan, one line per kind of change; nothing for kinds that are empty. */
export function formatPlan(
  out: Output,
  plan: Omit<ImportPlan, 'remove'> & { remove?: string[] },
  noun = 'tasks',
): string[] {
  const rows: string[][] = [];
  if (plan.create.length > 0) rows.push([out.paint('green', '+ create'), plan.create.join(', ')]);
  for (const u of plan.update)
    rows.push([out.paint('yellow', '~ update'), `${u.id} (${u.changed.join(', ') || 'changed'})`]);
  if (plan.remove !== undefined && plan.remove.length > 0)
    rows.push([out.paint('red', '- remove'), plan.remove.join(', ')]);
  if (plan.unchanged.length > 0)
    rows.push([out.paint('dim', '= unchanged'), plan.unchanged.join(', ')]);
  return rows.length === 0 ? [`  no ${noun}`] : formatTable(rows, { indent: 2 });
}

const PAST = { create: 'created', update: 'updated', unchanged: 'unchanged' } as const;

/** One line per service: created, updated (and what changed), unchanged, or why it failed. */
function serviceLines(out: Output, results: ImportAnswer['results']): string[] {
  const rows = results.map((r) => {
    if (!r.ok)
      return [
        out.mark('fail'),
        r.service,
        `${r.error?.message ?? 'failed'} (${r.error?.code ?? '?'})`,
      ];
    const what =
      r.action === 'update' ? `updated (${(r.changed ?? []).join(', ')})` : PAST[r.action];
    return [r.action === 'unchanged' ? out.paint('dim', '=') : out.mark('pass'), r.service, what];
  });
  return formatTable(rows, { indent: 2 });
}

function taskCounts(answer: ImportAnswer): string {
  const { tasks } = answer.summary;
  return `${tasks.created} created, ${tasks.updated} updated, ${tasks.removed} removed`;
}

/**
 * `codedance import <file>`: the plan or what was applied, service by
 * service, with a summary line and the warnings.
 */
export function formatImport(out: Output, file: string, answer: ImportAnswer): string[] {
  const withServices = answer.services.length > 0;
  const { services } = answer.summary;
  const lines: string[] = [];
  if (!answer.applied) {
    lines.push(`Dry run of ${file} (nothing changed yet):`);
    if (withServices) {
      lines.push('  services', ...formatPlan(out, answer.servicePlan, 'services'), '  tasks');
    }
    lines.push(...formatPlan(out, answer.plan));
  } else if (!withServices) {
    lines.push(`${out.mark('pass')} imported ${file}: ${taskCounts(answer)}`);
    lines.push(...formatPlan(out, answer.plan));
  } else {
    const failed = services.failed === 0 ? '' : `, ${services.failed} failed`;
    lines.push(
      `${out.tick(services.failed === 0)} imported ${file}: services ${services.created} created, ${services.updated} updated, ${services.unchanged} unchanged${failed}; tasks ${taskCounts(answer)}`,
      ...serviceLines(out, answer.results),
    );
    const { plan } = answer;
    if (plan.create.length + plan.update.length + plan.remove.length + plan.unchanged.length > 0)
      lines.push('  tasks', ...formatPlan(out, plan));
  }
  for (const w of answer.warnings)
    lines.push(`  ${out.mark('warn')} ${w.path || '(root)'}: ${w.message}`);
  return lines;
}
