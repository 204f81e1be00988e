import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { EventRecorder } from '../client/events.js';
import { setDeploymentCondition, FOUND_NEW_RS, NEW_RS_CREATED } from './deploymentstatus.js';
import {
  byAge, DESIRED_REPLICAS, HASH_LABEL, isRollingUpdate, MAX_REPLICAS, maxSurge, maxUnavailable, replicasOf, REVISION, revisionOf,
  rsAnnotations, rsReplicas, sumSpec, sumStatus, templateHash, templatesEqual,
} from './deploymentutil.js';
import { controllerRef, isPodTerminal, newControllerRef } from '../api/podutil.js';

export interface RolloutDeps {
  client: Client;
  clock: Clock;
  recorder: EventRecorder;
  /** Pods in the deployment's namespace (from the informer cache). */
  pods(namespace: string | undefined): Pod[];
}

/**
 * One reconcile's worth of Kubernetes' deployment sync (sync.go, rolling.go, recreate.go) over the
 * ReplicaSets a Deployment owns. Every write is compare-and-swap on the cached version, so a stale
 * view fails with a conflict and the reconcile runs again on fresh data. Methods return the
 * ReplicaSets as written so later steps in the same pass see the new sizes.
 */
export class DeploymentSync {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[] = [];

  /** A private copy: conditions are set on it in memory before the single status write. */
  d: Deployment;

  constructor(
    private readonly deps: RolloutDeps,
    d: Deployment,
    rsList: ReplicaSet[],
  ) {
    this.d = structuredClone(d);
    // The oldest ReplicaSet with the current template is the new one (Kubernetes' FindNewReplicaSet).
    const sorted = [...rsList].sort(byAge);
    this.newRS = sorted.find((rs) => templatesEqual(rs.spec.template, d.spec.template));
    this.oldRSs = sorted.filter((rs) => rs !== this.newRS);
  }

  get all(): ReplicaSet[] {
    return this.newRS ? [...this.oldRSs, this.newRS] : [...this.oldRSs];
  }

  /** A scale of the deployment (not a template change) is pending: some active RS was sized for another count. */
  isScalingEvent(): boolean {
    return this.all.some((rs) => rsReplicas(rs) > 0 && rs.metadata.annotations?.[DESIRED_REPLICAS] !== String(replicasOf(this.d)));
  }

  /** Syncs revision annotations of an existing new RS and the deployment; creates the new RS when asked. */
  async syncRevision(create: boolean): Promise<void> {
    const { client } = this.deps;
    const maxOld = Math.max(0, ...this.oldRSs.map(revisionOf));
    const revision = maxOld + 1;
    if (this.newRS) {
      const rs = this.newRS;
      const keepRevision = revisionOf(rs) >= revision ? revisionOf(rs) : revision;
      const annotations = rsAnnotations(this.d, keepRevision, rs.metadata.annotations);
      annotations[DESIRED_REPLICAS] = rs.metadata.annotations?.[DESIRED_REPLICAS] ?? annotations[DESIRED_REPLICAS] ?? '';
      annotations[MAX_REPLICAS] = rs.metadata.annotations?.[MAX_REPLICAS] ?? annotations[MAX_REPLICAS] ?? '';
      if (JSON.stringify(annotations) !== JSON.stringify(rs.metadata.annotations ?? {}) || (rs.spec.minReadySeconds ?? 0) !== (this.d.spec.minReadySeconds ?? 0)) {
        this.newRS = await client.update<ReplicaSet>('replicasets', { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, minReadySeconds: this.d.spec.minReadySeconds ?? 0 } });
      }
      if (!this.d.status?.conditions?.some((c) => c.type === 'Progressing')) {
        const s = (this.d.status = { ...this.d.status });
        setDeploymentCondition(s, { type: 'Progressing', status: 'True', reason: FOUND_NEW_RS, message: `Found new replica set "${rs.metadata.name}"` }, this.deps.clock.now());
      }
      await this.setDeploymentRevision(revisionOf(this.newRS));
      return;
    }
    if (!create) return;
    await this.createNewRS(revision);
    await this.setDeploymentRevision(revision);
  }

  private async createNewRS(revision: number): Promise<void> {
    const { client, recorder, clock } = this.deps;
    const d = this.d;
    const hash = templateHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...selector.matchLabels, [HASH_LABEL]: hash };
    const replicas = this.newReplicas(0);
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: rsAnnotations(d, revision),
        ownerReferences: [newControllerRef(d)],
      },
      spec: { replicas, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    try {
      this.newRS = await client.create<ReplicaSet>('replicasets', rs);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<ReplicaSet>('replicasets', d.metadata.namespace, rs.metadata.name ?? '');
      if (controllerRef(existing)?.uid === d.metadata.uid && templatesEqual(existing.spec.template, d.spec.template)) {
        this.newRS = existing;
        return;
      }
      // A different object holds the name: hash again with a bumped collision count (Kubernetes' collisionCount).
      await client.patch('deployments', d.metadata.namespace, d.metadata.name ?? '', 'merge', { status: { collisionCount: (d.status?.collisionCount ?? 0) + 1 } }, { subresource: 'status' });
      throw new Error(`replica set name ${rs.metadata.name} collides; retrying with a new hash`);
    }
    if (replicas > 0) recorder.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} to ${replicas}`);
    const s = (this.d.status = { ...this.d.status });
    setDeploymentCondition(s, { type: 'Progressing', status: 'True', reason: NEW_RS_CREATED, message: `Created new replica set "${rs.metadata.name}"` }, clock.now());
  }

  private async setDeploymentRevision(revision: number): Promise<void> {
    if (String(revision) === this.d.metadata.annotations?.[REVISION]) return;
    const d = this.d;
    const updated = await this.deps.client.patch<Deployment>('deployments', d.metadata.namespace, d.metadata.name ?? '', 'merge', {
      metadata: { annotations: { [REVISION]: String(revision) }, resourceVersion: d.metadata.resourceVersion },
    });
    // Keep the in-memory status (it may carry a fresh condition) but follow the new metadata.
    this.d = { ...updated, status: d.status };
  }

  /** Kubernetes' NewRSNewReplicas: how big the new RS may be now. */
  newReplicas(current: number): number {
    const d = this.d;
    if (!isRollingUpdate(d)) return replicasOf(d);
    const maxTotal = replicasOf(d) + maxSurge(d);
    const total = sumSpec(this.oldRSs) + current;
    if (total >= maxTotal) return current;
    return current + Math.max(0, Math.min(maxTotal - total, replicasOf(d) - current));
  }

  /** Sets an RS's size and sizing annotations (CAS); records ScalingReplicaSet. Returns it as stored. */
  async scaleRS(rs: ReplicaSet, size: number): Promise<ReplicaSet> {
    const d = this.d;
    const annotations = { ...rs.metadata.annotations, [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge(d)) };
    const sizeChanges = rsReplicas(rs) !== size;
    if (!sizeChanges && JSON.stringify(annotations) === JSON.stringify(rs.metadata.annotations ?? {})) return rs;
    const updated = await this.deps.client.update<ReplicaSet>('replicasets', { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas: size } });
    if (sizeChanges) {
      const dir = size > rsReplicas(rs) ? 'up' : 'down';
      this.deps.recorder.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${dir} replica set ${rs.metadata.name} to ${size}`);
    }
    this.replace(rs, updated);
    return updated;
  }

  private replace(old: ReplicaSet, next: ReplicaSet): void {
    if (this.newRS === old) this.newRS = next;
    this.oldRSs = this.oldRSs.map((x) => (x === old ? next : x));
  }

  /** RollingUpdate: grow the new RS within maxSurge, then shrink old ones within maxUnavailable. */
  async rolling(): Promise<boolean> {
    await this.syncRevision(true);
    const newRS = this.newRS;
    if (!newRS) return false;
    const want = replicasOf(this.d);
    if (rsReplicas(newRS) > want) {
      await this.scaleRS(newRS, want);
      return true;
    }
    if (rsReplicas(newRS) < want) {
      const size = this.newReplicas(rsReplicas(newRS));
      if (size !== rsReplicas(newRS)) {
        await this.scaleRS(newRS, size);
        return true;
      }
    }
    return this.scaleDownOld(newRS);
  }

  private async scaleDownOld(newRS: ReplicaSet): Promise<boolean> {
    const d = this.d;
    if (sumSpec(this.oldRSs) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sumSpec(this.all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned = 0;
    // Unhealthy old pods go first: removing them costs no availability.
    for (const rs of [...this.oldRSs].sort(byAge)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      await this.scaleRS(rs, rsReplicas(rs) - n);
      cleaned += n;
    }
    const available = sumStatus(this.all, 'availableReplicas');
    let scaled = 0;
    if (available > minAvailable) {
      const budget = available - minAvailable;
      for (const rs of [...this.oldRSs].sort(byAge)) {
        if (scaled >= budget) break;
        if (rsReplicas(rs) === 0) continue;
        const n = Math.min(rsReplicas(rs), budget - scaled);
        await this.scaleRS(rs, rsReplicas(rs) - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  /** Recreate: old RSs to zero, wait for their pods to be gone, then the new RS to full size. */
  async recreate(): Promise<boolean> {
    await this.syncRevision(false);
    let changed = false;
    for (const rs of this.oldRSs) {
      if (rsReplicas(rs) > 0) {
        await this.scaleRS(rs, 0);
        changed = true;
      }
    }
    if (changed || this.oldPodsRunning()) return true;
    if (!this.newRS) await this.syncRevision(true);
    const newRS = this.newRS;
    if (newRS && rsReplicas(newRS) !== replicasOf(this.d)) {
      await this.scaleRS(newRS, replicasOf(this.d));
      return true;
    }
    return false;
  }

  private oldPodsRunning(): boolean {
    if (this.oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const oldUids = new Set(this.oldRSs.map((rs) => rs.metadata.uid));
    return this.deps.pods(this.d.metadata.namespace).some((p) => oldUids.has(controllerRef(p)?.uid) && !isPodTerminal(p));
  }

  /**
   * A change of `spec.replicas` (or a paused deployment): resize without rolling. One active RS takes
   * the whole count; a saturated new RS takes it and old ones go to zero; mid-rollout, the difference
   * is spread over the active RSs in proportion to their sizes (Kubernetes' proportional scaling).
   */
  async scale(): Promise<void> {
    await this.syncRevision(false);
    const d = this.d;
    const active = this.all.filter((rs) => rsReplicas(rs) > 0);
    if (active.length <= 1) {
      const target = active[0] ?? this.newRS ?? [...this.oldRSs].sort(byAge).at(-1);
      if (target) await this.scaleRS(target, replicasOf(d));
      return;
    }
    const newRS = this.newRS;
    if (newRS && rsReplicas(newRS) === replicasOf(d) && (newRS.status?.availableReplicas ?? 0) >= replicasOf(d)) {
      for (const rs of this.oldRSs) if (rsReplicas(rs) > 0) await this.scaleRS(rs, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const current = sumSpec(active);
    const toAdd = replicasOf(d) + maxSurge(d) - current;
    // Bigger first; newer first when growing, older first when shrinking.
    const order = [...active].sort((a, b) => rsReplicas(b) - rsReplicas(a) || (toAdd > 0 ? byAge(b, a) : byAge(a, b)));
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of order) {
      const share = current > 0 ? Math.trunc((rsReplicas(rs) * toAdd) / current) : 0;
      const bounded = toAdd > 0 ? Math.min(share, toAdd - added) : Math.max(share, toAdd - added);
      sizes.set(rs, rsReplicas(rs) + bounded);
      added += bounded;
    }
    const first = order[0];
    if (first) sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + (toAdd - added)));
    for (const rs of order) await this.scaleRS(rs, Math.max(0, sizes.get(rs) ?? rsReplicas(rs)));
  }

  /** Deletes the oldest fully scaled-down RSs beyond `revisionHistoryLimit` (default 10). */
  async cleanup(): Promise<void> {
    const limit = this.d.spec.revisionHistoryLimit ?? 10;
    const cleanable = this.oldRSs
      .filter((rs) => rsReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp && (rs.status?.observedGeneration ?? 0) >= (rs.metadata.generation ?? 0))
      .sort((a, b) => revisionOf(a) - revisionOf(b) || byAge(a, b));
    for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
      try {
        await this.deps.client.delete('replicasets', rs.metadata.namespace, rs.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}
