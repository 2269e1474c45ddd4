/** Where a command writes; the real process streams, or buffers in tests. */
export interface Streams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

export type Mark = 'pass' | 'warn' | 'fail';

const ANSI = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
} as const;
const RESET = '\u001b[0m';

export type Style = keyof typeof ANSI;

const MARKS: Record<Mark, { symbol: string; style: Style }> = {
  pass: { symbol: '✓', style: 'green' },
  warn: { symbol: '!', style: 'yellow' },
  fail: { symbol: '✗', style: 'red' },
};

/** Colour only for a person at a terminal who has not asked for none (https://no-color.org). */
export function useColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

// Matches the SGR sequences this module writes, so widths count what is seen.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/** The width a string takes on screen, ignoring colour codes; a surrogate pair is one character. */
export function visibleWidth(text: string): number {
  return text.replace(SGR, '').replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length;
}

/**
 * Lays rows out in columns padded to the widest cell; the last column is not
 * padded so lines carry no trailing blanks.
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  options: { indent?: number; gap?: number } = {},
): string[] {
  const gap = ' '.repeat(options.gap ?? 2);
  const indent = ' '.repeat(options.indent ?? 0);
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell));
    });
  }
  return rows.map((row) => {
    const cells = row.map((cell, i) =>
      i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell)),
    );
    return (indent + cells.join(gap)).trimEnd();
  });
}

/** `1.5 GB`; binary units, as the server's byte sizes are. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

/** `2d 3h`, `1h 5m`, `4m 10s`, `12s`: the two largest units are enough to read an uptime. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/** Writes human lines or JSON, with colour decided once for the whole run. */
export class Output {
  readonly json: boolean;
  readonly colour: boolean;
  private readonly streams: Streams;

  constructor(streams: Streams, options: { json: boolean; colour: boolean }) {
    this.streams = streams;
    this.json = options.json;
    this.colour = options.colour;
  }

  /** A line for people on stdout; nothing in JSON mode, so stdout stays parseable. */
  line(text = ''): void {
    if (!this.json) this.streams.stdout.write(`${text}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** A diagnostic on stderr, shown in every mode. */
  error(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** The machine-readable answer of a command: one JSON document on stdout. */
  data(value: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One compact JSON line, for commands that report a stream of events (JSON Lines). */
  event(value: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  paint(style: Style, text: string): string {
    return this.colour ? `${ANSI[style]}${text}${RESET}` : text;
  }

  mark(status: Mark): string {
    const { symbol, style } = MARKS[status];
    return this.paint(style, symbol);
  }

  /** ✓/✗ for a yes-or-no fact. */
  tick(ok: boolean): string {
    return this.mark(ok ? 'pass' : 'fail');
  }
}
