import type { Pod } from '../../api/types.js';
import { LABELS, type ContainerCreateSpec, type ContainerDetails } from '../runtime/types.js';
import { PAUSE_COMMAND } from './pauseImage.js';

/**
 * A pod's sandbox: the container that owns the pod's network namespace for the pod's whole life, as
 * Kubernetes' pod sandbox does. Every container of the pod joins it (`container:<sandbox id>`), so
 * the pod keeps one IP while its containers crash and restart, and containers share `localhost`.
 * With `hostNetwork` the sandbox uses the host's network, and so do the pod's containers.
 */
export interface Sandbox {
  id: string;
  attempt: number;
  running: boolean;
  /** The pod's IP on the engine's bridge; absent while stopped, or with `hostNetwork`. */
  ip?: string;
}

export function isSandbox(labels: Record<string, string>): boolean {
  return labels[LABELS.sandbox] === 'true';
}

export function toSandbox(d: ContainerDetails): Sandbox {
  const attempt = Number(d.labels[LABELS.attempt] ?? '0');
  return { id: d.id, attempt: Number.isFinite(attempt) ? attempt : 0, running: d.running, ...(d.ip ? { ip: d.ip } : {}) };
}

/** The network mode every container of the pod is created with. */
export function joinSandbox(s: Sandbox): string {
  return `container:${s.id}`;
}

/** What the engine creates for a pod's sandbox (run `attempt`, 0 first). */
export function sandboxSpec(pod: Pod, attempt: number, ctx: { nodeName: string; image: string; exposedPorts: NonNullable<ContainerCreateSpec['exposedPorts']> }): ContainerCreateSpec {
  const m = pod.metadata;
  const spec: ContainerCreateSpec = {
    name: `skiff_POD_${m.name}_${m.namespace}_${(m.uid ?? '').slice(0, 8)}_${attempt}`,
    image: ctx.image,
    entrypoint: PAUSE_COMMAND,
    labels: {
      [LABELS.managed]: 'true',
      [LABELS.node]: ctx.nodeName,
      [LABELS.podUid]: m.uid ?? '',
      [LABELS.podNamespace]: m.namespace ?? 'default',
      [LABELS.podName]: m.name ?? '',
      [LABELS.sandbox]: 'true',
      [LABELS.attempt]: String(attempt),
    },
  };
  if (pod.spec.hostNetwork) spec.networkMode = 'host';
  else {
    spec.hostname = m.name ?? '';
    if (ctx.exposedPorts.length) spec.exposedPorts = ctx.exposedPorts;
  }
  return spec;
}
