/**
 * The process exit codes of `codedance`, from the API contract: scripts and CI pipelines branch
 * on them, so a code never changes meaning once published.
 */
import { EXIT_CODES } from '@codedance/api';

export { EXIT_CODES, type ExitCode } from '@codedance/api';

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
