import type { Pod } from '../../orchestrator/api/types.js';
import type { Host } from '../api/hosts.js';
import { selectedHost, selectedNode, selectedPod } from './selected.js';
import type { Command, CommandContext } from './types.js';

/** The container a shell opens in: kubectl's default-container annotation, else the first. */
export function defaultContainer(pod: Pod): string | undefined {
  const names = pod.spec.containers.map((c) => c.name);
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  return annotated && names.includes(annotated) ? annotated : names[0];
}

/** A pod whose containers can take an exec: bound, not finished, not being deleted. */
export function canExec(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec.nodeName) && phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function openPodShellFor(ctx: CommandContext, namespace: string, pod: string, container: string): void {
  ctx.store.getState().openTerminal({ kind: 'pod', namespace, pod, container });
}

/** A shell in the selected pod's default container, in a new terminal tab. */
export const openPodShell: Command = {
  id: 'pod-shell',
  label: 'Open shell in pod',
  detail: (ctx) => {
    const p = selectedPod(ctx);
    return p ? `${p.namespace}/${p.name}` : undefined;
  },
  enabled: (ctx) => {
    const p = selectedPod(ctx);
    return p !== undefined && canExec(p.pod) && defaultContainer(p.pod) !== undefined;
  },
  run(ctx) {
    const p = selectedPod(ctx);
    const c = p && defaultContainer(p.pod);
    if (p && c) openPodShellFor(ctx, p.namespace, p.name, c);
  },
};

/** The Host the selection stands for: a selected host, or the host a selected node runs on. */
export function hostOfSelection(ctx: CommandContext): Host | undefined {
  const h = selectedHost(ctx);
  if (h) return h;
  const n = selectedNode(ctx)?.metadata.name;
  if (!n) return undefined;
  return Object.values(ctx.store.getState().cluster.hosts).find((x) => x.status?.nodeName === n);
}

/** A login shell on the selected SSH host, over the connection Skiff holds to it. */
export const openHostShell: Command = {
  id: 'host-shell',
  label: 'Open host shell',
  detail: (ctx) => hostOfSelection(ctx)?.metadata.name,
  enabled: (ctx) => {
    const h = hostOfSelection(ctx);
    return h !== undefined && !h.metadata.deletionTimestamp && h.status?.phase === 'Ready';
  },
  run(ctx) {
    const h = hostOfSelection(ctx)?.metadata.name;
    if (h) ctx.store.getState().openTerminal({ kind: 'host', host: h });
  },
};
