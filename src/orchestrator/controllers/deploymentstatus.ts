import type { Condition, Deployment, DeploymentStatus, ReplicaSet } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import { maxUnavailable, replicasOf, sumStatus } from './deploymentutil.js';

/** Progressing condition reasons, with Kubernetes' names. */
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_RS = 'FoundNewReplicaSet';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';

export function getDeploymentCondition(s: DeploymentStatus | undefined, type: string): Condition | undefined {
  return s?.conditions?.find((c) => c.type === type);
}

/**
 * Kubernetes' SetDeploymentCondition: a condition with the same status and reason is left alone
 * (timestamps included); otherwise it is replaced, keeping `lastTransitionTime` if only the reason moved.
 */
export function setDeploymentCondition(s: DeploymentStatus, c: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>, now: number): void {
  const list = s.conditions ?? [];
  const old = list.find((x) => x.type === c.type);
  if (old && old.status === c.status && old.reason === c.reason) return;
  const t = isoTime(now);
  const next: Condition = { ...c, lastUpdateTime: t, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? t) : t };
  s.conditions = [...list.filter((x) => x.type !== c.type), next];
}

/** The status the ReplicaSets imply (Kubernetes' calculateStatus), conditions carried over from `d`. */
export function calculateStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = sumStatus(all, 'availableReplicas');
  const total = sumStatus(all, 'replicas');
  const s: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: total,
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumStatus(all, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (d.status?.collisionCount !== undefined) s.collisionCount = d.status.collisionCount;
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setDeploymentCondition(s, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, now);
  } else {
    setDeploymentCondition(s, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
  }
  return s;
}

/** Everything rolled out and available, as `kubectl rollout status` waits for. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Something moved forward since the last status (new pods updated, ready or available, old ones gone). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

export function progressDeadlineMs(d: Deployment): number {
  return (d.spec.progressDeadlineSeconds ?? 600) * 1000;
}

export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  const c = getDeploymentCondition(s, 'Progressing');
  if (!c || c.reason === NEW_RS_AVAILABLE) return false;
  if (c.reason === TIMED_OUT) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return Number.isFinite(from) && from + progressDeadlineMs(d) < now;
}

/**
 * Kubernetes' syncRolloutStatus minus the write: updates Progressing on `s` from how the rollout
 * moved. Returns how long until the deadline should be checked again (undefined: no need).
 */
export function updateProgress(d: Deployment, s: DeploymentStatus, newRS: ReplicaSet | undefined, now: number): number | undefined {
  const cur = getDeploymentCondition(s, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && cur?.reason === NEW_RS_AVAILABLE;
  const rsName = newRS?.metadata.name;
  if (!complete) {
    if (deploymentComplete(d, s)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setDeploymentCondition(s, { type: 'Progressing', status: 'True', reason: NEW_RS_AVAILABLE, message: msg }, now);
    } else if (deploymentProgressing(d, s)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      // A fresh lastUpdateTime restarts the deadline; the transition time stays while still True.
      const t = isoTime(now);
      const next: Condition = { type: 'Progressing', status: 'True', reason: RS_UPDATED, message: msg, lastUpdateTime: t, lastTransitionTime: cur?.status === 'True' ? (cur.lastTransitionTime ?? t) : t };
      s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== 'Progressing'), next];
    } else if (deploymentTimedOut(d, s, now)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setDeploymentCondition(s, { type: 'Progressing', status: 'False', reason: TIMED_OUT, message: msg }, now);
    }
  }
  const after = getDeploymentCondition(s, 'Progressing');
  if (!after || after.reason === NEW_RS_AVAILABLE || after.reason === TIMED_OUT || deploymentComplete(d, s)) return undefined;
  const from = Date.parse(after.lastUpdateTime ?? '');
  if (!Number.isFinite(from)) return undefined;
  return Math.max(1000, from + progressDeadlineMs(d) - now + 1000);
}

/** Progressing=Unknown while paused, and DeploymentResumed once unpaused (Kubernetes' checkPausedConditions). */
export function pausedCondition(d: Deployment, s: DeploymentStatus, now: number): void {
  const cur = getDeploymentCondition(s, 'Progressing');
  if (cur?.reason === TIMED_OUT) return;
  const pausedNow = cur?.reason === PAUSED;
  if (d.spec.paused && !pausedNow) {
    setDeploymentCondition(s, { type: 'Progressing', status: 'Unknown', reason: PAUSED, message: 'Deployment is paused' }, now);
  } else if (!d.spec.paused && pausedNow) {
    setDeploymentCondition(s, { type: 'Progressing', status: 'Unknown', reason: RESUMED, message: 'Deployment is resumed' }, now);
  }
}
