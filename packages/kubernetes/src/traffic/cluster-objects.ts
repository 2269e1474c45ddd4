/**
 * Reading and writing whole objects of any kind, by server-side apply: the providers describe
 * the object they want and the API server keeps exactly the fields Codedance owns, so applying
 * the same split twice changes nothing and a field dropped from the description is removed.
 */
import {
  ApiException,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { CodedanceError } from '@codedance/core';

/** The field manager Codedance applies as; `kubectl get -o yaml --show-managed-fields` shows it. */
export const FIELD_MANAGER = 'codedance';

/** Which object: its kind and where it lives. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

function statusOf(error: unknown): number | null {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : null;
}

/** An API failure as a Codedance error that says what was refused and why. */
export function kubernetesFailure(action: string, ref: ObjectRef, error: unknown): CodedanceError {
  const message = error instanceof Error ? error.message : String(error);
  // Discovery found no such kind: the CRDs of the provider are not installed.
  if (
    message.startsWith('Unrecognized API version and kind') ||
    (message.startsWith('Failed to fetch resource metadata') && statusOf(error) === 404)
  ) {
    return new CodedanceError('CD_TRAFFIC_UNSUPPORTED', {
      message: `The cluster does not serve ${ref.kind} (${ref.apiVersion}): install its CustomResourceDefinition first.`,
      details: { apiVersion: ref.apiVersion, kind: ref.kind },
      cause: error,
    });
  }
  const status = statusOf(error);
  let reason = message;
  if (error instanceof ApiException) {
    const body: unknown = (error as ApiException<unknown>).body;
    try {
      const parsed = JSON.parse(String(body)) as { message?: unknown };
      if (typeof parsed.message === 'string') reason = parsed.message;
    } catch {
      // Not JSON: keep the exception's own message.
    }
  }
  return new CodedanceError('CD_BAD_GATEWAY', {
    message: `The Kubernetes API could not ${action} ${describe(ref)}${status === null ? '' : ` (${status})`}: ${reason}`,
    details: { ...ref, action, status },
    cause: error,
  });
}

/** Whole objects of any kind, through one client. */
export class ClusterObjects {
  readonly #api: KubernetesObjectApi;

  constructor(kubeconfig: KubeConfig) {
    this.#api = KubernetesObjectApi.makeApiClient(kubeconfig);
  }

  /** Applies `object` (server-side apply, taking over fields another manager set). */
  async apply<T extends KubernetesObject>(object: T & { metadata: ObjectMeta }): Promise<T> {
    const ref = refOf(object);
    try {
      return await this.#api.patch(
        object,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      throw kubernetesFailure('apply', ref, error);
    }
  }

  /** The object, or null when there is none. */
  async read<T extends KubernetesObject>(ref: ObjectRef): Promise<T | null> {
    try {
      return await this.#api.read<T>(header(ref));
    } catch (error) {
      if (statusOf(error) === 404 && !isDiscoveryFailure(error)) return null;
      throw kubernetesFailure('read', ref, error);
    }
  }

  /** Deletes the object; one that is already gone is fine. */
  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.#api.delete(header(ref));
    } catch (error) {
      if (statusOf(error) === 404 && !isDiscoveryFailure(error)) return;
      throw kubernetesFailure('delete', ref, error);
    }
  }
}

interface ObjectMeta {
  name: string;
  namespace: string;
}

function isDiscoveryFailure(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Failed to fetch resource metadata');
}

function header(ref: ObjectRef) {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  };
}

function refOf(object: KubernetesObject & { metadata: ObjectMeta }): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  };
}

/**
 * When Codedance last applied the object (epoch ms, to the second), from its managed fields;
 * null when it has not.
 */
export function appliedAt(object: KubernetesObject): number | null {
  const entry = object.metadata?.managedFields?.find(
    (field) => field.manager === FIELD_MANAGER && field.operation === 'Apply',
  );
  const time = entry?.time as Date | string | undefined;
  if (time === undefined) return null;
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  return Number.isNaN(ms) ? null : ms;
}
