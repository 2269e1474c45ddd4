// Turns round results into medians, ratios, a table and a JSON document.
import { median } from './measure/stats.mjs';

/** Every figure of the comparison; lower is better for each. */
export const FIGURES = [
  {
    key: 'start',
    label: 'start N services until all answer 200',
    unit: 'ms',
    of: (r) => r.start.ms,
  },
  { key: 'rss0', label: 'supervisor RSS, 0 services', unit: 'MB', of: (r) => r.rss0.mb },
  { key: 'rssN', label: 'supervisor RSS, N services', unit: 'MB', of: (r) => r.rssN.mb },
  {
    key: 'rssPerInstance',
    label: 'supervisor RSS per instance (RSS_N − RSS_0)/N',
    unit: 'MB',
    of: (r, n) => (r.rssN.mb - r.rss0.mb) / n,
  },
  {
    key: 'rssMarginal',
    label: 'supervisor RSS per instance past N (RSS_2N − RSS_N)/N',
    unit: 'MB',
    of: (r, n) => (r.marginal.mb - r.rssN.mb) / n,
  },
  {
    key: 'idleCpuN',
    label: 'supervisor CPU, N idle services',
    unit: '% of a core',
    of: (r) => r.idleCpuN * 100,
  },
  {
    key: 'serviceRss',
    label: 'RSS of one service process',
    unit: 'MB',
    of: (r) => median(r.serviceRssMb),
  },
  {
    key: 'restart',
    label: 'restart: SIGKILL → new process answers',
    unit: 'ms',
    of: (r) => r.restart.medianMs,
  },
  {
    key: 'deleteAll',
    label: 'delete all N services, CLI → every process gone',
    unit: 'ms',
    of: (r) => r.deleteAll.ms,
  },
  {
    key: 'cpuDeleteAll',
    label: 'supervisor CPU to delete all N services',
    unit: 's',
    of: (r) => r.deleteAll.cpuSeconds,
  },
  {
    key: 'burstFile',
    label: 'log burst → all lines in log file',
    unit: 'ms',
    of: (r) => r.burst.plain.fileMs,
  },
  {
    key: 'burstFileTail',
    label: 'log burst → all lines in file, tail attached',
    unit: 'ms',
    of: (r) => r.burst.tail.fileMs,
  },
  {
    key: 'burstTail',
    label: 'log burst → all lines printed by the tail',
    unit: 'ms',
    of: (r) => r.burst.tail.tail.ms,
  },
  {
    key: 'cpuBurst',
    label: 'supervisor CPU for the burst',
    unit: 's',
    of: (r) => r.burst.plain.cpuSeconds,
  },
  {
    key: 'cpuBurstTail',
    label: 'supervisor CPU for the burst, tail attached',
    unit: 's',
    of: (r) => r.burst.tail.cpuSeconds,
  },
  {
    key: 'listCli',
    label: 'list N services, CLI (spawn included)',
    unit: 'ms',
    of: (r) => r.list.cliMs,
  },
  {
    key: 'listHttp',
    label: 'list N services, GET /api/services',
    unit: 'ms',
    of: (r) => r.list.httpMs,
  },
];

const SUPERVISORS = ['codedance', 'pm2'];

/** Per figure: each round's value and the median over rounds for each supervisor, and the ratio. */
export function summarize(rounds, services) {
  return FIGURES.map(({ key, label, unit, of }) => {
    const row = { key, label: label.replaceAll(' N ', ` ${services} `), unit };
    for (const sup of SUPERVISORS) {
      const values = rounds
        .filter((r) => r.supervisor === sup)
        .map((r) => {
          try {
            const v = of(r, services);
            return typeof v === 'number' && Number.isFinite(v) ? v : null;
          } catch {
            return null;
          }
        });
      row[sup] = { rounds: values, median: median(values) };
    }
    const a = row.codedance.median;
    const b = row.pm2.median;
    row.ratio = a !== null && b !== null && b !== 0 ? a / b : null;
    return row;
  });
}

function format(value, unit) {
  if (value === null) return '—';
  if (unit === 'ms') return value < 10 ? value.toFixed(1) : value.toFixed(0);
  if (unit === 's' || Math.abs(value) < 1) return value.toFixed(2);
  return value.toFixed(1);
}

/** A Markdown table: readable in a terminal, pasteable into the docs. */
export function table(summary) {
  const rows = [
    ['Figure (median over rounds)', 'Codedance', 'PM2', 'Codedance/PM2'],
    ...summary.map((row) => [
      `${row.label} (${row.unit})`,
      format(row.codedance.median, row.unit),
      format(row.pm2.median, row.unit),
      row.ratio === null ? '—' : `${row.ratio.toFixed(2)}×`,
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (cells) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}
