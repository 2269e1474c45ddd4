import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { registerAccess } from './commands/access.js';
import { registerConfig } from './commands/config.js';
import { registerController } from './commands/controller.js';
import { registerDelivery } from './commands/delivery/index.js';
import { registerDoctor } from './commands/doctor.js';
import { registerKill } from './commands/kill.js';
import { registerServer } from './commands/server.js';
import { registerServices } from './commands/services/index.js';
import { registerStatus } from './commands/status.js';
import { registerTasks } from './commands/tasks/index.js';
import { registerTransfer } from './commands/transfer.js';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_URL,
  createContext,
  type GlobalOptions,
  type Io,
  type Wrap,
} from './context.js';
import { EXIT_CODES, EXIT_CODES_HELP, type ExitCode } from './exit-codes.js';
import { exitCodeFor, reportError } from './failure.js';

function packageVersion(): string {
  // package.json sits one folder above both src/ and dist/.
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === 'string' ? version : '0.0.0';
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('expected a number of seconds above 0.');
  return seconds;
}

const ROOT_HELP = `
Environment:
  CODEDANCE_URL     server URL when --url is not given (default ${DEFAULT_URL})
  CODEDANCE_TOKEN   API token when --token is not given; prefer it to --token, which other users
                    can see in the process list. Neither is needed on the server's host: the CLI
                    reads the token the server keeps in <data>/credentials/admin-token
  CODEDANCE_DATA    data folder when --data is not given
  NO_COLOR          set to turn colour off (colour is only used on a terminal anyway)

${EXIT_CODES_HELP}

Examples:
  $ codedance server                      run the server on http://127.0.0.1:8100
  $ codedance status                      is it up, which store, how many objects
  $ codedance dashboard --open            sign in to the dashboard
  $ codedance doctor                      find out what is wrong, and how to fix it
  $ codedance config get logging.level    one setting and where its value comes from
  $ codedance status --json | jq .version`;

/** Builds the command tree. `wrap` turns each command's handler into a commander action. */
export function buildProgram(io: Io, wrap: Wrap): Command {
  const program = new Command('codedance');
  // Set before any subcommand is added: subcommands copy these settings when created.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)');
  program
    .description('Codedance: a self-hosted control plane for releasing and running software.')
    .version(packageVersion(), '-V, --version', 'print the version of this CLI')
    .option('--url <url>', `server URL (default $CODEDANCE_URL or ${DEFAULT_URL})`)
    .option(
      '--token <token>',
      'API token (default $CODEDANCE_TOKEN, else the one the server keeps in the data folder); sent as a Bearer token, never printed',
    )
    .option(
      '--data <dir>',
      `data folder of the server on this host: its config, store, logs and credential (default $CODEDANCE_DATA or ${DEFAULT_DATA_DIR})`,
      nonEmpty,
    )
    .option('--json', 'print machine-readable JSON only, on stdout')
    .option(
      '--timeout <seconds>',
      `seconds to wait for each answer (default ${DEFAULT_TIMEOUT_SECONDS})`,
      parseSeconds,
    )
    .addHelpText('after', ROOT_HELP);
  registerServer(program, wrap);
  registerAccess(program, wrap);
  registerStatus(program, wrap);
  registerConfig(program, wrap);
  registerDoctor(program, wrap);
  registerServices(program, wrap);
  registerTasks(program, wrap);
  registerTransfer(program, wrap);
  registerDelivery(program, wrap);
  registerController(program, wrap);
  registerKill(program, wrap);
  return program;
}

/**
 * Commander reads the root's options anywhere on the line, so the root's `--version` would take
 * `deploy shop --version v2` for itself. After a subcommand that declares its own
 * `--version <value>`, the flag and its value are joined (`--version=v2`), a form only that
 * subcommand reads; a missing value becomes an empty one, which its parser refuses.
 */
export function claimVersionFlags(program: Command, args: readonly string[]): string[] {
  const claimed: string[] = [];
  let command = program;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      claimed.push(...args.slice(i));
      break;
    }
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub !== undefined) {
      command = sub;
      claimed.push(arg);
      continue;
    }
    const owns =
      command !== program && command.options.some((o) => o.long === '--version' && o.required);
    if (arg === '--version' && owns) {
      const value = args[i + 1];
      const given = value !== undefined && !value.startsWith('-');
      claimed.push(`--version=${given ? value : ''}`);
      if (given) i++;
      continue;
    }
    claimed.push(arg);
  }
  return claimed;
}

function isClosedPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * A reader that stops early (`codedance rollout get shop | head`) closes the pipe, and the next
 * write fails with EPIPE. A closed stdout ends the command at once, quietly, with exit code 0:
 * the reader has what it wanted (a release being watched goes on). A closed stderr only loses
 * the diagnostics; the command carries on and exits with its own code.
 */
export function endQuietlyOnClosedPipe(
  streams: { stdout: NodeJS.EventEmitter; stderr: NodeJS.EventEmitter },
  exit: (code: number) => void,
): void {
  streams.stdout.on('error', (error: unknown) => {
    if (!isClosedPipe(error)) throw error;
    exit(EXIT_CODES.SUCCESS);
  });
  streams.stderr.on('error', (error: unknown) => {
    if (!isClosedPipe(error)) throw error;
  });
}

/**
 * Runs the `codedance` command line and resolves to the process exit code
 * (see EXIT_CODES). Never throws: every failure is printed and mapped to a
 * code. For `server` it resolves once the server has stopped.
 */
export async function main(argv: readonly string[], io: Partial<Io> = {}): Promise<number> {
  if (io.stdout === undefined && io.stderr === undefined) {
    endQuietlyOnClosedPipe({ stdout: process.stdout, stderr: process.stderr }, (code) =>
      process.exit(code),
    );
  }
  const fullIo: Io = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  let exitCode: ExitCode = EXIT_CODES.SUCCESS;
  const wrap: Wrap =
    (handler) =>
    async (...args) => {
      // commander calls an action with (...positional, options, command).
      const command = args.at(-1) as Command;
      // A variadic argument comes as an array: its values are positional too.
      const positional = args
        .slice(0, -2)
        .flatMap((a) =>
          Array.isArray(a)
            ? a.filter((v): v is string => typeof v === 'string')
            : [typeof a === 'string' ? a : undefined],
        );
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), fullIo);
      try {
        exitCode = await handler(ctx, {
          args: positional,
          options: command.opts() as Parameters<typeof handler>[1]['options'],
        });
      } catch (error) {
        reportError(ctx.out, error);
        exitCode = exitCodeFor(error);
      }
    };
  try {
    const program = buildProgram(fullIo, wrap);
    const [node = '', script = '', ...args] = argv;
    await program.parseAsync([node, script, ...claimVersionFlags(program, args)], {
      from: 'node',
    });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? EXIT_CODES.SUCCESS : EXIT_CODES.USAGE;
    }
    fullIo.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.FAILURE;
  }
  return exitCode;
}
