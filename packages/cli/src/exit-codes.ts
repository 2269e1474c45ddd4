/**
 * The process exit codes of `codedance`. Scripts and CI pipelines branch on
 * them, so a code never changes meaning once published. 78 is EX_CONFIG from
 * sysexits(3), which service managers already read as "fix the config, do
 * not restart in a loop".
 */
export const EXIT_CODES = {
  /** The command did what was asked and the answer is good. */
  SUCCESS: 0,
  /** The command ran but the answer is a failure (API error, doctor found a problem, config invalid). */
  FAILURE: 1,
  /** Bad flags or arguments; nothing was attempted. */
  USAGE: 2,
  /** The server cannot be reached. */
  UNREACHABLE: 3,
  /** A release that was waited for ended ROLLED_BACK or FAILED. */
  RELEASE_FAILED: 4,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM while waiting, before the outcome was known. */
  INTERRUPTED: 130,
  /** `codedance server` refused to start because of its configuration. */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit-code table as the root command's `--help` shows it. */
export const EXIT_CODES_HELP = `Exit codes:
  ${EXIT_CODES.SUCCESS}   success
  ${EXIT_CODES.FAILURE}   the command ran but the answer is a failure (API error, doctor found a problem, invalid config)
  ${EXIT_CODES.USAGE}   usage error: unknown command, bad flag or argument
  ${EXIT_CODES.UNREACHABLE}   the server cannot be reached
  ${EXIT_CODES.RELEASE_FAILED}   a release waited for (deploy --wait, rollout watch) was rolled back or failed
  ${EXIT_CODES.INTERRUPTED} interrupted (Ctrl-C) while waiting; the release goes on
  ${EXIT_CODES.CONFIG}  codedance server refused to start because of its configuration
A reader that closes the output early (codedance rollout get shop | head) ends the command with ${EXIT_CODES.SUCCESS}.`;
