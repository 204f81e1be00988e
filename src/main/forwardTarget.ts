import type { Endpoints, Pod, Service } from '../orchestrator/api/types.js';

/** Which pod and port a new connection of a forward goes to. */
export interface ResolvedTarget {
  pod: string;
  port: number;
  /** The pod's controller (ReplicaSet, StatefulSet...), so a pod forward can follow a replacement. */
  ownerUid?: string;
}

export function isServing(p: Pod): boolean {
  return p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status.conditions?.find((c) => c.type === 'Ready')?.status ?? 'True') === 'True';
}

export function controllerUid(p: Pod): string | undefined {
  return p.metadata.ownerReferences?.find((o) => o.controller)?.uid;
}

/**
 * The pod to use for a pod forward: the named one while it runs; once it is gone or finished, a
 * running sibling with the same controller (the pod that replaced it), first by name. Undefined
 * with a reason when there is none yet.
 */
export function pickPod(named: Pod | undefined, siblings: readonly Pod[], ownerUid: string | undefined): { pod?: Pod; reason?: string } {
  if (named && isServing(named)) return { pod: named };
  if (ownerUid) {
    const next = siblings.filter((p) => controllerUid(p) === ownerUid && isServing(p)).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
    if (next) return { pod: next };
    return { reason: named ? `pod ${named.metadata.name} is ${named.status?.phase ?? 'Pending'} and no replacement runs yet` : 'the pod is gone and no replacement runs yet' };
  }
  if (!named) return { reason: 'the pod is gone' };
  return { reason: `pod ${named.metadata.name} is ${named.metadata.deletionTimestamp ? 'terminating' : (named.status?.phase ?? 'Pending')}` };
}

/**
 * A Service port to a ready endpoint, as kubectl picks one pod for `port-forward svc/x`: the
 * service port `port` (its number), its endpoint port of the same name (the resolved target
 * port), and the first ready address that names its pod, by pod name.
 */
export function pickEndpoint(svc: Service, ep: Endpoints | undefined, port: number): ResolvedTarget | { reason: string } {
  const sp = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (!sp) return { reason: `service ${svc.metadata.name} has no port ${port}` };
  if ((svc.spec?.selector === undefined || Object.keys(svc.spec.selector).length === 0) && !ep) return { reason: `service ${svc.metadata.name} has no selector and no endpoints` };
  const ready: { pod: string; port: number }[] = [];
  for (const subset of ep?.subsets ?? []) {
    const epPort = (subset.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '')) ?? (subset.ports?.length === 1 ? subset.ports[0] : undefined);
    if (!epPort) continue;
    for (const a of subset.addresses ?? []) {
      if (a.targetRef?.kind === 'Pod' && a.targetRef.name) ready.push({ pod: a.targetRef.name, port: epPort.port });
    }
  }
  ready.sort((a, b) => a.pod.localeCompare(b.pod));
  const first = ready[0];
  if (!first) return { reason: `service ${svc.metadata.name} has no ready endpoints` };
  return first;
}
