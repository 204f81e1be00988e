import type { KubeEvent, Pod } from '../../orchestrator/api/types.js';

/**
 * The scheduler's per-node verdicts on a pod it could not place (annotation
 * `scheduler.skiff.dev/node-reasons`: JSON `{ "<node>": "<reason>; <reason>" }`, removed once bound).
 */
export const NODE_REASONS_ANNOTATION = 'scheduler.skiff.dev/node-reasons';

export interface NodeVerdict {
  node: string;
  reasons: string[];
}

export interface PendingReasons {
  /** kube-scheduler's summary (`0/3 nodes are available: ...`), from the PodScheduled condition. */
  summary?: string;
  nodes: NodeVerdict[];
  /** The annotation was there but not readable: shown as is rather than hidden. */
  raw?: string;
}

/** Why a pod is not scheduled, per node; undefined when the scheduler said nothing (or it is bound). */
export function pendingReasons(pod: Pod): PendingReasons | undefined {
  if (pod.spec.nodeName) return undefined;
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const summary = cond?.message;
  const text = pod.metadata.annotations?.[NODE_REASONS_ANNOTATION];
  if (text === undefined) return summary ? { summary, nodes: [] } : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ...(summary ? { summary } : {}), nodes: [], raw: text };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ...(summary ? { summary } : {}), nodes: [], raw: text };
  const nodes = Object.entries(parsed as Record<string, unknown>)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([node, r]) => ({ node, reasons: r.split(';').map((s) => s.trim()).filter(Boolean) }))
    .sort((a, b) => a.node.localeCompare(b.node));
  return { ...(summary ? { summary } : {}), nodes };
}

/** When an event happened last (core/v1 or events.k8s.io fields, whichever it has), as ISO text that sorts. */
export function eventTime(e: KubeEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
}

/** A claim an unscheduled pod uses, with the latest event about it. */
export interface ClaimWait {
  claim: string;
  latest?: { type: string; reason: string; message: string };
}

/**
 * The PersistentVolumeClaims a pod not yet on a node uses, each with the latest event about it:
 * a pod waits for its claims to be bound (see the scheduler's WaitingForVolumes), and the claim's
 * events say why that takes long (`ProvisioningFailed: ... ImagePullBackOff ...`). Empty for a
 * scheduled pod or one without claims.
 */
export function claimWaits(pod: Pod, events: Iterable<KubeEvent>): ClaimWait[] {
  if (pod.spec.nodeName) return [];
  const ns = pod.metadata.namespace ?? 'default';
  const volumes = (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []) as { persistentVolumeClaim?: { claimName?: unknown } }[];
  const claims = [...new Set(volumes.flatMap((v) => (typeof v.persistentVolumeClaim?.claimName === 'string' ? [v.persistentVolumeClaim.claimName] : [])))];
  if (!claims.length) return [];
  const latest = new Map<string, KubeEvent>();
  for (const e of events) {
    const o = e.involvedObject;
    if (o?.kind !== 'PersistentVolumeClaim' || (o.namespace ?? '') !== ns || !o.name || !claims.includes(o.name)) continue;
    const have = latest.get(o.name);
    if (!have || eventTime(e) > eventTime(have)) latest.set(o.name, e);
  }
  return claims.map((claim) => {
    const e = latest.get(claim);
    return e ? { claim, latest: { type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '' } } : { claim };
  });
}
