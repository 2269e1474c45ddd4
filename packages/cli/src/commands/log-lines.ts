import type { LogEntryAnswer } from '../api.js';
import type { CommandContext } from '../context.js';
import type { Output, Style } from '../output.js';

/** A log line's text: stderr in red, Codedance's own lines dimmed and with their level. */
export function paintLogText(out: Output, entry: LogEntryAnswer): string {
  const text = entry.stream === 'system' ? `[${entry.level}] ${entry.line}` : entry.line;
  const style: Style | null =
    entry.stream === 'stderr' ? 'red' : entry.stream === 'system' ? 'dim' : null;
  return style === null ? text : out.paint(style, text);
}

/** Prints one entry: a JSON line with --json, else the line `format` makes of it. */
export function printLogEntry<E extends LogEntryAnswer>(
  ctx: CommandContext,
  entry: E,
  format: (out: Output, entry: E) => string,
): void {
  if (ctx.out.json) ctx.out.event(entry);
  else ctx.out.line(format(ctx.out, entry));
}
