import { ApiError } from '../api/errors.js';
import { newControllerRef } from '../api/podutil.js';
import type { KubeObject, Pod, PodTemplateSpec } from '../api/types.js';

/**
 * A pod as Kubernetes' PodControl makes one from a controller's template: the template's labels,
 * annotations and finalizers, a controller ownerReference to `owner`, and a copy of its spec. The
 * caller names it (`name`) or lets the server (`generateName`).
 */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, naming: { name?: string; generateName?: string }): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...naming,
      namespace: owner.metadata.namespace,
      labels: { ...template.metadata?.labels },
      ownerReferences: [newControllerRef(owner)],
    },
    spec: structuredClone(template.spec),
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  if (template.metadata?.finalizers) pod.metadata.finalizers = [...template.metadata.finalizers];
  return pod;
}

/** A create refused because the namespace is going away: not worth an event or a retry. */
export function terminatingNamespace(e: unknown): boolean {
  return e instanceof ApiError && e.code === 403 && e.message.includes('being terminated');
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
