import { constants } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext, Invocation, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { reportError } from '../failure.js';

interface ControllerOptions {
  kubeconfig?: string;
  routerImage?: string;
  prometheus?: string;
  leaseNamespace?: string;
  leaseDuration?: number;
  identity?: string;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 2 || n > 300) {
    throw new InvalidArgumentError('expected whole seconds from 2 to 300.');
  }
  return n;
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

async function runController(
  ctx: CommandContext,
  call: Invocation<ControllerOptions>,
): Promise<ExitCode> {
  const { out } = ctx;
  const options = call.options;
  // Loaded here: only this command needs the Kubernetes client.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { CanaryController } = await import('@codedance/kubernetes');
  const kubeconfig = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kubeconfig.loadFromFile(options.kubeconfig);
    else kubeconfig.loadFromDefault();
  } catch (error) {
    reportError(out, error);
    return EXIT_CODES.CONFIG;
  }
  const controller = new CanaryController({
    kubeconfig,
    ...(options.routerImage === undefined ? {} : { routerImage: options.routerImage }),
    ...(options.prometheus === undefined ? {} : { prometheusUrl: options.prometheus }),
    ...(options.leaseNamespace === undefined ? {} : { leaseNamespace: options.leaseNamespace }),
    ...(options.leaseDuration === undefined
      ? {}
      : { leaseDurationMs: options.leaseDuration * 1000 }),
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    log: (line) => {
      if (out.json) out.event({ event: 'log', line });
      else out.line(line);
    },
  });
  try {
    await controller.start();
  } catch (error) {
    reportError(out, error);
    return EXIT_CODES.FAILURE;
  }
  if (out.json) out.event({ event: 'started', server: kubeconfig.getCurrentCluster()?.server });
  else
    out.line(
      `Codedance controller watching ${kubeconfig.getCurrentCluster()?.server ?? 'the cluster'}`,
    );
  return new Promise<ExitCode>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(128 + constants.signals[signal]);
      stopping = true;
      controller.stop().then(
        () => {
          for (const s of STOP_SIGNALS) process.off(s, onSignal);
          resolve(EXIT_CODES.SUCCESS);
        },
        (error: unknown) => {
          reportError(out, error);
          resolve(EXIT_CODES.FAILURE);
        },
      );
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
}

export function registerController(program: Command, wrap: Wrap): void {
  program
    .command('controller')
    .description('Run the Kubernetes controller that carries out CanaryDeployments')
    .option(
      '--kubeconfig <file>',
      'kubeconfig to use (default $KUBECONFIG, ~/.kube/config, or in-cluster)',
    )
    .option('--router-image <image>', 'image of the built-in router for the router provider')
    .option('--prometheus <url>', 'judge releases by Prometheus instead of the router counts')
    .option('--lease-namespace <ns>', 'namespace of the leader Lease (default codedance-system)')
    .option(
      '--lease-duration <seconds>',
      'how long a leader holds the Lease unrenewed (default 15)',
      seconds,
    )
    .option('--identity <name>', 'name written in the Lease (default <hostname>-<random>)')
    .addHelpText(
      'after',
      `
Watches every CanaryDeployment of the cluster and, while it holds the Lease
codedance-controller, carries each release out: canary Deployment, traffic, analysis,
promotion or rollback, with the resource's status kept current. Run two for availability:
only the leader acts. SIGTERM or Ctrl-C stops it after the pass under way and gives the
Lease up.

Examples:
  $ codedance controller --kubeconfig ~/.kube/config
  $ codedance controller --router-image registry.example.com/codedance-router:0.1.0`,
    )
    .action(wrap(runController));
}
