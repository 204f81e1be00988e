import { getCondition } from '../api/podutil.js';
import type { ContainerStatus, Job, JobCondition, Pod, PodFailurePolicyRule, SuccessPolicyRule } from '../api/types.js';

/** The label and annotation that carry an Indexed Job pod's index. */
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** Kubernetes' DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 600_000;

/** Whether the Job has a True Complete or Failed condition (it never runs again). */
export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

/** The time the Job finished (its Complete/Failed condition's transition), as ms. */
export function jobFinishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  const t = Date.parse(c?.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** Sets or updates a condition, keeping lastTransitionTime when the status does not change. */
export function withCondition(conditions: JobCondition[] | undefined, next: JobCondition, nowIso: string): JobCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? list[i] : undefined;
  const merged: JobCondition = { ...next, lastProbeTime: nowIso, lastTransitionTime: old && old.status === next.status ? (old.lastTransitionTime ?? nowIso) : nowIso };
  if (old && old.status === next.status && old.reason === next.reason && old.message === next.message) return list;
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

/** When a finished pod stopped: its latest container finish time, else its Ready condition's last change. */
export function podFinishTime(pod: Pod): number | undefined {
  const times = (pod.status?.containerStatuses ?? []).map((c) => Date.parse(c.state.terminated?.finishedAt ?? '')).filter((t) => !Number.isNaN(t));
  if (times.length) return Math.max(...times);
  const t = Date.parse(getCondition(pod.status?.conditions, 'Ready')?.lastTransitionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** The pod's completion index, or undefined when it has none or a malformed one. */
export function podIndex(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** On each pod of a Job with `backoffLimitPerIndex`: the failures of its index before it, and those a pod failure policy ignored. */
export const INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

function countAnnotation(pod: Pod, name: string): number {
  const v = pod.metadata.annotations?.[name];
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : 0;
}

/**
 * Per-index failure counts, as Kubernetes keeps them: each replacement pod carries the counts of its
 * index in annotations, so a failed pod deleted by hand does not reset them. The count of an index is
 * the highest its failed pods say (their own annotation plus themselves), and never fewer than the
 * failed pods present (pods created before the annotations existed).
 */
export class IndexFailures {
  private readonly byIndex = new Map<number, { failed: number; ignored: number; present: number; lastFailure?: number }>();

  /** A failed pod of index `i`; `ignored` when the pod failure policy's Ignore rule matched it. */
  add(i: number, pod: Pod, ignored: boolean): void {
    const e = this.byIndex.get(i) ?? { failed: 0, ignored: 0, present: 0 };
    const failedBefore = countAnnotation(pod, INDEX_FAILURE_COUNT);
    const ignoredBefore = countAnnotation(pod, INDEX_IGNORED_FAILURE_COUNT);
    if (ignored) {
      e.failed = Math.max(e.failed, failedBefore);
      e.ignored = Math.max(e.ignored, ignoredBefore + 1);
    } else {
      e.present++;
      e.failed = Math.max(e.failed, failedBefore + 1, e.present);
      e.ignored = Math.max(e.ignored, ignoredBefore);
      const t = podFinishTime(pod);
      if (t !== undefined && (e.lastFailure === undefined || t > e.lastFailure)) e.lastFailure = t;
    }
    this.byIndex.set(i, e);
  }

  failures(i: number): number {
    return this.byIndex.get(i)?.failed ?? 0;
  }

  /** The annotations a new pod of index `i` carries. */
  annotations(i: number): Record<string, string> {
    const e = this.byIndex.get(i);
    const out: Record<string, string> = { [INDEX_FAILURE_COUNT]: String(e?.failed ?? 0) };
    if (e?.ignored) out[INDEX_IGNORED_FAILURE_COUNT] = String(e.ignored);
    return out;
  }

  /** Ms index `i` still waits before a new pod (the pod failure back-off, per index). */
  remainingBackoff(i: number, now: number): number {
    const e = this.byIndex.get(i);
    return e ? remainingBackoff(e.failed, e.lastFailure, now) : 0;
  }
}

/** Indexes as Kubernetes writes `completedIndexes`: sorted, consecutive runs as `a-b` ("0-2,5"). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The reverse of {@link formatIndexes}; anything malformed is skipped. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i - a < 1_000_000; i++) out.add(i);
  }
  return out;
}

/** What a podFailurePolicy rule decided for a failed pod, with the message Kubernetes writes. */
export interface PolicyMatch {
  action: PodFailurePolicyRule['action'];
  message: string;
}

/**
 * Kubernetes' matchPodFailurePolicy: the first rule matching the failed pod wins. `onExitCodes`
 * looks at terminated containers (all containers, or the named one) with a non-zero exit code;
 * `onPodConditions` at the pod's conditions. Undefined: no rule matched (the failure counts).
 */
export function matchPodFailurePolicy(rules: readonly PodFailurePolicyRule[], pod: Pod): PolicyMatch | undefined {
  const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of rules.entries()) {
    const ec = rule.onExitCodes;
    if (ec) {
      const init = (pod.status as { initContainerStatuses?: ContainerStatus[] } | undefined)?.initContainerStatuses ?? [];
      const statuses = [...init, ...(pod.status?.containerStatuses ?? [])];
      for (const cs of statuses) {
        const code = cs.state.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        if (ec.containerName && ec.containerName !== cs.name) continue;
        const inValues = (Array.isArray(ec.values) ? ec.values : []).includes(code);
        if ((ec.operator === 'In') === inValues) {
          return { action: rule.action, message: `Container ${cs.name} for pod ${who} failed with exit code ${code} matching ${rule.action} rule at index ${i}` };
        }
      }
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const c = getCondition(pod.status?.conditions, pattern.type);
      if (c && c.status === (pattern.status ?? 'True')) {
        return { action: rule.action, message: `Pod ${who} has condition ${pattern.type} matching ${rule.action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}

/**
 * The pod failure back-off (Kubernetes' backoffRecord): after `failures` consecutive failures since
 * the last success, new pods wait 10s * 2^(failures-1), at most 10 minutes, from the last failure.
 * Returns the ms still to wait (0: create now).
 */
export function remainingBackoff(failuresSinceSuccess: number, lastFailure: number | undefined, now: number): number {
  if (failuresSinceSuccess <= 0 || lastFailure === undefined) return 0;
  const delay = Math.min(MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS * 2 ** Math.min(failuresSinceSuccess - 1, 20));
  return Math.max(0, lastFailure + delay - now);
}

export function isJobPodFailed(pod: Pod): boolean {
  return pod.status?.phase === 'Failed';
}
export function isJobPodSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}

/**
 * Kubernetes' successPolicy (Indexed Jobs): the index of the first rule met, if any. A rule with
 * `succeededIndexes` alone needs all of them; with `succeededCount`, that many succeeded indexes
 * (among `succeededIndexes` when both are given).
 */
export function matchSuccessPolicy(rules: readonly SuccessPolicyRule[], succeeded: Set<number>): number | undefined {
  for (const [i, rule] of rules.entries()) {
    const set = rule.succeededIndexes !== undefined ? parseIndexes(rule.succeededIndexes) : undefined;
    const hits = set ? [...succeeded].filter((x) => set.has(x)).length : succeeded.size;
    const met = rule.succeededCount !== undefined ? hits >= rule.succeededCount : set !== undefined && set.size > 0 && [...set].every((x) => succeeded.has(x));
    if (met) return i;
  }
  return undefined;
}
