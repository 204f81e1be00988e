import type { KubeEvent, KubeObject, Pod } from '../../orchestrator/api/types.js';
import { isRecord } from '../api/guards.js';

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

/**
 * When an event happened last (core/v1 or events.k8s.io fields, whichever it has), in ms since the
 * epoch; 0 when it has none readable. A number, not the text: `eventTime` carries microseconds
 * (`08:00:00.123456Z`) and `lastTimestamp` whole seconds (`08:00:00Z`), and as text the second
 * sorts after the first.
 */
export function eventTime(e: KubeEvent): number {
  const at = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
  return Number.isNaN(at) ? 0 : at;
}

/**
 * What reading one of the pod's claims found: its phase (and whether it is being deleted), that it
 * does not exist, or why it could not be read. Absent while it has not been read yet.
 */
export type ClaimRead = { phase: string; deleting?: true } | { missing: true } | { error: string };

/** The shape `useObject` answers with (views/resources/useObject.ts), as far as a claim needs it. */
export interface ClaimLookup {
  object?: KubeObject;
  gone?: boolean;
  error?: string;
}

/** A claim's read from what `useObject` answered; undefined until it answers. */
export function claimReadOf(live: ClaimLookup): ClaimRead | undefined {
  if (live.object) {
    const status = live.object.status;
    // A claim the API has just created has no status yet: it is Pending.
    const phase = isRecord(status) && typeof status.phase === 'string' ? status.phase : 'Pending';
    return { phase, ...(live.object.metadata.deletionTimestamp ? { deleting: true as const } : {}) };
  }
  if (live.gone) return { missing: true };
  return live.error ? { error: live.error } : undefined;
}

/** A claim an unscheduled pod waits for: where it stands, and the latest event about it. */
export interface ClaimWait {
  claim: string;
  /** Its phase (`Pending`, `Lost`); absent while not read yet, or when `problem` says why there is none. */
  phase?: string;
  /** Why it cannot be bound as it stands, in the scheduler's words (`claim "data" not found`), or why it could not be read. */
  problem?: string;
  latest?: { type: string; reason: string; message: string };
}

/** The names of the PersistentVolumeClaims a pod's volumes use, each once, in volume order. */
export function claimNamesOf(pod: Pod): string[] {
  const volumes = (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []) as { persistentVolumeClaim?: { claimName?: unknown } }[];
  return [...new Set(volumes.flatMap((v) => (typeof v.persistentVolumeClaim?.claimName === 'string' ? [v.persistentVolumeClaim.claimName] : [])))];
}

/** The latest event about each of `claims` in namespace `ns`, by claim name. */
function latestClaimEvents(ns: string, claims: readonly string[], events: Iterable<KubeEvent>): Map<string, KubeEvent> {
  const latest = new Map<string, KubeEvent>();
  for (const e of events) {
    const o = e.involvedObject;
    if (o?.kind !== 'PersistentVolumeClaim' || (o.namespace ?? '') !== ns || !o.name || !claims.includes(o.name)) continue;
    const have = latest.get(o.name);
    if (!have || eventTime(e) > eventTime(have)) latest.set(o.name, e);
  }
  return latest;
}

/** Where a claim stands as the table shows it: its phase, or the problem that stands in for one. */
function standing(claim: string, read: ClaimRead | undefined): Pick<ClaimWait, 'phase' | 'problem'> {
  if (!read) return {};
  if ('missing' in read) return { problem: `claim "${claim}" not found` };
  if ('error' in read) return { problem: read.error };
  return read.deleting ? { phase: read.phase, problem: `claim "${claim}" is being deleted` } : { phase: read.phase };
}

/**
 * The PersistentVolumeClaims a pod not yet on a node waits for, each with where it stands (from
 * `reads`, by claim name) and the latest event about it: a pod waits for its claims to be bound (see
 * the scheduler's WaitingForVolumes), and the claim's events say why that takes long
 * (`ProvisioningFailed: ... ImagePullBackOff ...`). A Bound claim is not a wait and is left out
 * (unless it is being deleted, which the scheduler refuses); one not read yet is listed, since it
 * may be the reason. Empty for a scheduled pod or one without claims.
 */
export function claimWaits(pod: Pod, events: Iterable<KubeEvent>, reads: ReadonlyMap<string, ClaimRead>): ClaimWait[] {
  if (pod.spec.nodeName) return [];
  const claims = claimNamesOf(pod);
  if (!claims.length) return [];
  const latest = latestClaimEvents(pod.metadata.namespace ?? 'default', claims, events);
  const out: ClaimWait[] = [];
  for (const claim of claims) {
    const where = standing(claim, reads.get(claim));
    if (where.phase === 'Bound' && !where.problem) continue;
    const e = latest.get(claim);
    out.push({ claim, ...where, ...(e ? { latest: { type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '' } } : {}) });
  }
  return out;
}
