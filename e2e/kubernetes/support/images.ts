// How the test kubelet turns a container spec into a local command line and environment.
//
// An image named `codedance.test/<name>` (any `:tag` is ignored) is looked up in a registry the
// test passes to the kubelet; any other image is refused with ErrImagePull. As with a real
// runtime, the container's `command` replaces the image's command and its `args` replace the
// image's args; `$(VAR)` in both is expanded from the container's environment.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

export const IMAGE_PREFIX = 'codedance.test/';

/** What an image runs. */
export interface LocalImage {
  /** The entrypoint: an absolute path or a program found on PATH, and its first arguments. */
  command: readonly string[];
  /** Default arguments, replaced by the container's `args`. */
  args?: readonly string[];
  /** Working folder; this process's own by default. */
  cwd?: string;
  env?: Readonly<Record<string, string>>;
}

export type ImageRegistry = Readonly<Record<string, LocalImage>>;

export interface ContainerLaunch {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** A container that cannot start, with the reason a real kubelet would show. */
export interface LaunchError {
  reason: 'ErrImagePull' | 'CreateContainerConfigError';
  message: string;
}

export function imageName(image: string | undefined): string | null {
  if (!image?.startsWith(IMAGE_PREFIX)) return null;
  const rest = image.slice(IMAGE_PREFIX.length);
  return rest.split(/[:@]/)[0] ?? null;
}

/** `$(NAME)` becomes the variable's value when it is set; `$$(NAME)` stays literal `$(NAME)`. */
export function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, escaped, name: string) =>
    escaped ? whole.slice(1) : (env[name] ?? whole),
  );
}

function fieldValue(pod: V1Pod, podIP: string, hostIP: string, path: string): string | null {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (labelOrAnnotation) {
    const map =
      labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2]!] ?? '';
  }
  const known: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': podIP,
    'status.podIPs': podIP,
    'status.hostIP': hostIP,
  };
  return path in known ? (known[path] ?? '') : null;
}

/**
 * The command line, environment and folder for a container, or why it cannot start. The
 * environment is not the host's: PATH, HOSTNAME (the pod's name), the image's variables, PORT
 * (the container's first containerPort), then the spec's `env`. No Service variables are set: a
 * ClusterIP leads nowhere here.
 */
export function resolveContainer(
  pod: V1Pod,
  container: V1Container,
  registry: ImageRegistry,
  addresses: { podIP: string; hostIP: string },
): ContainerLaunch | LaunchError {
  const name = imageName(container.image);
  const image = name === null ? undefined : registry[name];
  if (!image) {
    return {
      reason: 'ErrImagePull',
      message:
        name === null
          ? `image "${container.image ?? ''}" is not a ${IMAGE_PREFIX}<name> image: the test kubelet runs local commands only`
          : `image "${container.image ?? ''}": no command named "${name}" was given to the test kubelet`,
    };
  }
  if ((container.envFrom ?? []).length > 0) {
    return {
      reason: 'CreateContainerConfigError',
      message: 'envFrom is not supported by the test kubelet',
    };
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOSTNAME: pod.metadata?.name ?? '',
    ...image.env,
  };
  const port = container.ports?.[0]?.containerPort;
  if (port !== undefined) env.PORT = String(port);
  for (const variable of container.env ?? []) {
    if (variable.valueFrom) {
      const path = variable.valueFrom.fieldRef?.fieldPath;
      const value =
        path === undefined ? null : fieldValue(pod, addresses.podIP, addresses.hostIP, path);
      if (value === null) {
        return {
          reason: 'CreateContainerConfigError',
          message: `env ${variable.name}: only valueFrom.fieldRef (metadata, spec.nodeName, status.podIP, status.hostIP) is supported by the test kubelet`,
        };
      }
      env[variable.name] = value;
    } else {
      env[variable.name] = expand(variable.value ?? '', env);
    }
  }
  const command = container.command ?? image.command;
  const args = container.args ?? (container.command ? [] : (image.args ?? []));
  const argv = [...command, ...args].map((part) => expand(part, env));
  if (argv.length === 0) {
    return { reason: 'CreateContainerConfigError', message: 'the container has no command to run' };
  }
  return { argv, env, cwd: container.workingDir ?? image.cwd ?? process.cwd() };
}
