import { ApiError } from '../api/errors.js';
import { newControllerRef } from '../api/podutil.js';
import { objectKey } from '../api/resources.js';
import type { KubeObject, Pod, PodTemplateSpec } from '../api/types.js';
import type { InformerHandlers } from '../client/Informer.js';
import type { Expectations } from './expectations.js';

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

/**
 * The pod informer handlers every pod-owning controller shares, as Kubernetes' controllers wire
 * them: each owner key of a pod (`owners`) is woken on add, change and delete; a pod seen created
 * (`controlled` by the key's owner) or seen going satisfies that owner's expectations.
 */
export function ownedPodHandlers(opts: {
  owners: (pod: Pod) => Iterable<string>;
  exp: Expectations;
  enqueue: (key: string) => void;
  /** Whether a new pod counts as one its owner created (default: yes). */
  controlled?: (pod: Pod) => boolean;
}): InformerHandlers<Pod> {
  const { owners, exp, enqueue } = opts;
  const podKey = (p: Pod) => objectKey(p.metadata.namespace, p.metadata.name ?? '');
  return {
    onAdd: (pod) => {
      for (const k of owners(pod)) {
        if (pod.metadata.deletionTimestamp) exp.observeDelete(k, podKey(pod));
        else if (opts.controlled?.(pod) ?? true) exp.observeAdd(k);
        enqueue(k);
      }
    },
    onUpdate: (old, pod) => {
      for (const k of new Set([...owners(old), ...owners(pod)])) {
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) exp.observeDelete(k, podKey(pod));
        enqueue(k);
      }
    },
    onDelete: (pod) => {
      for (const k of owners(pod)) {
        exp.observeDelete(k, podKey(pod));
        enqueue(k);
      }
    },
  };
}
