import type { Pod, Service } from '../../orchestrator/api/types.js';
import { listForwards, startForward, stopForward, type ForwardSpec } from '../api/portForwards.js';
import { selectedPod } from './selected.js';
import type { Command, CommandContext } from './types.js';

/** The TCP ports a pod's containers declare, in order, without repeats. */
export function podPorts(pod: Pod): { port: number; name?: string; container: string }[] {
  const seen = new Set<number>();
  const out: { port: number; name?: string; container: string }[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if ((p.protocol ?? 'TCP') !== 'TCP' || seen.has(p.containerPort)) continue;
      seen.add(p.containerPort);
      out.push({ port: p.containerPort, ...(p.name ? { name: p.name } : {}), container: c.name });
    }
  }
  return out;
}

/** The TCP ports of a Service (forwards go to one ready endpoint, as kubectl's do). */
export function servicePorts(svc: Service): { port: number; name?: string }[] {
  return (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => ({ port: p.port, ...(p.name ? { name: p.name } : {}) }));
}

/** Starts a forward and refreshes the list; the panel opens to show the local URL. */
export async function forward(ctx: CommandContext, spec: ForwardSpec): Promise<void> {
  await startForward(spec);
  const s = ctx.store.getState();
  s.setForwards(await listForwards());
  s.setForwardsOpen(true);
}

function selectedTarget(ctx: CommandContext): ForwardSpec | undefined {
  const s = ctx.store.getState();
  const p = selectedPod(ctx);
  if (p) {
    const port = podPorts(p.pod)[0];
    return port ? { kind: 'pod', namespace: p.namespace, name: p.name, port: port.port } : undefined;
  }
  if (s.selection?.type === 'service') {
    const svc = s.cluster.services[s.selection.key];
    const port = svc && servicePorts(svc)[0];
    return svc && port ? { kind: 'service', namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name ?? '', port: port.port } : undefined;
  }
  return undefined;
}

/** Forwards the first port of the selected pod or service to 127.0.0.1. */
export const forwardSelected: Command = {
  id: 'port-forward',
  label: 'Port-forward',
  detail: (ctx) => {
    const t = selectedTarget(ctx);
    return t ? `${t.kind}/${t.name}:${t.port}` : undefined;
  },
  enabled: (ctx) => selectedTarget(ctx) !== undefined,
  async run(ctx) {
    const t = selectedTarget(ctx);
    if (t) await forward(ctx, t);
  },
};

export const showPortForwards: Command = {
  id: 'show-port-forwards',
  label: 'Show port-forwards',
  enabled: () => true,
  run: (ctx) => ctx.store.getState().setForwardsOpen(true),
};

export const stopAllPortForwards: Command = {
  id: 'stop-port-forwards',
  label: 'Stop all port-forwards',
  detail: (ctx) => `${ctx.store.getState().forwards.length}`,
  enabled: (ctx) => ctx.store.getState().forwards.length > 0,
  async run(ctx) {
    for (const f of ctx.store.getState().forwards) await stopForward(f.id);
    ctx.store.getState().setForwards(await listForwards());
  },
};
