import { CLUSTER_DOMAIN } from '../../api/clusterNetwork.js';
import type { Pod } from '../../api/types.js';
import { podNames } from '../dns/podIdentity.js';
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
  /** The pod's IP on the node's pod network; absent while stopped, or with `hostNetwork`. */
  ip?: string;
  /** The network it was created on (`skiff-pods-...`, `host`, `default`). */
  networkMode?: string;
}

export function isSandbox(labels: Record<string, string>): boolean {
  return labels[LABELS.sandbox] === 'true';
}

export function toSandbox(d: ContainerDetails): Sandbox {
  const attempt = Number(d.labels[LABELS.attempt] ?? '0');
  return { id: d.id, attempt: Number.isFinite(attempt) ? attempt : 0, running: d.running, ...(d.ip ? { ip: d.ip } : {}), networkMode: d.networkMode };
}

/** The network mode every container of the pod is created with. */
export function joinSandbox(s: Sandbox): string {
  return `container:${s.id}`;
}

/**
 * What the engine creates for a pod's sandbox (run `attempt`, 0 first): on the node's pod network
 * (`network`, when the node has one), publishing the pod's `hostPort`s as Docker port bindings (as
 * dockershim did), so a host port another program holds fails the sandbox with Docker's message.
 */
export function sandboxSpec(pod: Pod, attempt: number, ctx: { nodeName: string; image: string; exposedPorts: NonNullable<ContainerCreateSpec['exposedPorts']>; network?: string }): ContainerCreateSpec {
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
    // spec.hostname, or the pod's name; the FQDN with setHostnameAsFQDN (throws when too long, as the kubelet fails the sandbox).
    spec.hostname = podNames(pod, CLUSTER_DOMAIN).kernelHostname;
    if (ctx.network) spec.networkMode = ctx.network;
    if (ctx.exposedPorts.length) spec.exposedPorts = ctx.exposedPorts;
    const bindings = hostPorts(pod);
    if (bindings.length) spec.portBindings = bindings;
  }
  return spec;
}

/** The pod's `hostPort`s (every container's), as Docker port bindings. */
export function hostPorts(pod: Pod): NonNullable<ContainerCreateSpec['portBindings']> {
  const out: NonNullable<ContainerCreateSpec['portBindings']> = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const protocol = (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
      out.push({ containerPort: p.containerPort, protocol, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}
