import { ApiError } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import { fromLabelSelector, matches, selectorMatches } from '../api/selectors.js';
import type { Condition, Pod, ReplicaSet, ReplicaSetStatus } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { Expectations } from './expectations.js';
import { ownedPodHandlers, terminatingNamespace } from './podcontrol.js';
import { claim } from './ownership.js';
import { changedBeyondStatus, controllerRef, deepEqual, isPodActive, isPodAvailable, isPodReady, msUntilAvailable, newControllerRef } from '../api/podutil.js';
import { InvalidSpec, runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'replicaset-controller';
/** Most pods created or deleted in one reconcile, as Kubernetes' burstReplicas. */
const BURST = 500;

/**
 * ReplicaSet -> Pods (Kubernetes' replicaset controller): claims the pods its selector matches
 * (adopting orphans), creates `<rs>-<5 random>` pods from the template or deletes the least valuable
 * ones until the active count is `spec.replicas`, and writes status. Pods being deleted or finished do
 * not count. Creations and deletions are tracked as expectations so a lagging cache never doubles them.
 */
export function startReplicaSetController(ctx: ControllerContext): ControllerLoop {
  return startReplicaManager(ctx, { resource: 'replicasets', kind: 'ReplicaSet', component: COMPONENT, view: (rs) => rs });
}

/**
 * ReplicationController -> Pods: the same manager as the ReplicaSet's (Kubernetes runs one
 * ReplicaSetController for both); the RC's label-map selector is read as `matchLabels`.
 */
export function startReplicationControllerController(ctx: ControllerContext): ControllerLoop {
  return startReplicaManager(ctx, {
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    component: 'replication-controller',
    view: (rc) => ({ ...rc, spec: { ...rc.spec, selector: { matchLabels: (rc.spec.selector ?? {}) as Record<string, string> } } }),
  });
}

interface ManagedKind {
  resource: string;
  kind: string;
  component: string;
  /** The object as a ReplicaSet (selector as a LabelSelector). */
  view(obj: ReplicaSet): ReplicaSet;
}

function startReplicaManager(ctx: ControllerContext, k: ManagedKind): ControllerLoop {
  const { client, clock, informers } = ctx;
  const COMPONENT = k.component;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const rawInf = informers.get<ReplicaSet>(k.resource);
  const rsInf = {
    get: (key: string) => {
      const o = rawInf.get(key);
      return o && k.view(o);
    },
    byIndex: (name: string, value: string) => rawInf.byIndex(name, value).map(k.view),
  };
  const podInf = informers.get<Pod>('pods');
  const exp = new Expectations(clock);

  const reconcile = async (key: string): Promise<void> => {
    const rs = rsInf.get(key);
    if (!rs) {
      exp.forget(key);
      return;
    }
    if (fromLabelSelector(rs.spec.selector).length === 0) {
      recorder.record(rs, 'Warning', 'InvalidSelector', 'spec.selector: Required value: an empty selector selects no pods');
      throw new InvalidSpec('empty selector');
    }
    const ns = rs.metadata.namespace;
    const candidates = podInf.byIndex('namespace', ns ?? '').filter(isPodActive);
    const owned = await claim({ client, log, resource: 'pods', owner: rs, ownerResource: k.resource, candidates, selects: (p) => selectorMatches(rs.spec.selector, p.metadata.labels) });
    let failure: unknown;
    if (exp.satisfied(key) && !rs.metadata.deletionTimestamp) {
      try {
        await manageReplicas(rs, owned, key);
      } catch (e) {
        failure = e;
      }
    }
    await writeStatus(rs, owned, failure);
    if (failure) throw failure;
    const minReady = rs.spec.minReadySeconds ?? 0;
    const waits = owned.map((p) => msUntilAvailable(p, minReady, clock.now())).filter((x): x is number => x !== undefined);
    if (waits.length) loop.enqueueAfter(key, Math.min(...waits) + 1);
  };

  const manageReplicas = async (rs: ReplicaSet, owned: Pod[], key: string): Promise<void> => {
    const diff = owned.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const want = Math.min(-diff, BURST);
      exp.expectAdds(key, want);
      // Slow start (1, 2, 4, ...): a template the API rejects fails once, not `want` times.
      let done = 0;
      for (let batch = 1; done < want; batch *= 2) {
        const n = Math.min(batch, want - done);
        const results = await Promise.allSettled(Array.from({ length: n }, () => createPod(rs)));
        done += n;
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length) {
          for (let i = 0; i < failed.length + (want - done); i++) exp.observeAdd(key);
          const err = failed[0]?.reason;
          if (terminatingNamespace(err)) return;
          recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      }
    } else if (diff > 0) {
      const victims = [...owned].sort(deletionOrder).slice(0, Math.min(diff, BURST));
      const keys = victims.map((p) => objectKey(p.metadata.namespace, p.metadata.name ?? ''));
      exp.expectDeletes(key, keys);
      const results = await Promise.allSettled(victims.map((p) => client.delete('pods', p.metadata.namespace, p.metadata.name ?? '')));
      let firstError: unknown;
      results.forEach((r, i) => {
        const pod = victims[i] as Pod;
        if (r.status === 'fulfilled') {
          recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
          return;
        }
        exp.observeDelete(key, keys[i] as string);
        if (r.reason instanceof ApiError && r.reason.code === 404) return;
        firstError ??= r.reason;
        recorder.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      });
      if (firstError) throw firstError;
    }
  };

  const createPod = async (rs: ReplicaSet): Promise<void> => {
    const t = rs.spec.template;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...t.metadata?.labels },
        ownerReferences: [newControllerRef(rs)],
      },
      spec: structuredClone(t.spec),
    };
    if (t.metadata?.annotations) pod.metadata.annotations = { ...t.metadata.annotations };
    if (t.metadata?.finalizers) pod.metadata.finalizers = [...t.metadata.finalizers];
    const created = await client.create('pods', pod);
    recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
  };

  const writeStatus = async (rs: ReplicaSet, owned: Pod[], failure: unknown): Promise<void> => {
    const now = clock.now();
    const templateLabels = fromLabelSelector({ matchLabels: rs.spec.template.metadata?.labels ?? {} });
    const status: ReplicaSetStatus = {
      replicas: owned.length,
      fullyLabeledReplicas: owned.filter((p) => matches(templateLabels, p.metadata.labels)).length,
      readyReplicas: owned.filter(isPodReady).length,
      availableReplicas: owned.filter((p) => isPodAvailable(p, rs.spec.minReadySeconds ?? 0, now)).length,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    const conditions: Condition[] = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
    if (failure && !terminatingNamespace(failure)) {
      const old = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
      const deleting = owned.length > (rs.spec.replicas ?? 1);
      conditions.push({
        type: 'ReplicaFailure',
        status: 'True',
        reason: deleting ? 'FailedDelete' : 'FailedCreate',
        message: failure instanceof Error ? failure.message : String(failure),
        lastTransitionTime: old?.lastTransitionTime ?? isoTime(now),
      });
    }
    if (conditions.length) status.conditions = conditions;
    if (deepEqual(status, rs.status ?? {})) return;
    await client.patch(k.resource, rs.metadata.namespace, rs.metadata.name ?? '', 'merge', { status: { ...status, conditions: status.conditions ?? null } }, { subresource: 'status' });
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync([k.resource, 'pods']) });

  /** The ReplicaSets a pod's events concern: its controller, or (an orphan) every RS that would adopt it. */
  const ownersOf = (pod: Pod): string[] => {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace;
    if (ref) return ref.kind === k.kind ? [objectKey(ns, ref.name)] : [];
    if (pod.metadata.deletionTimestamp) return [];
    return rsInf
      .byIndex('namespace', ns ?? '')
      .filter((rs) => selectorMatches(rs.spec.selector, pod.metadata.labels))
      .map((rs) => objectKey(ns, rs.metadata.name ?? ''));
  };

  rawInf.addHandlers({
    onAdd: (rs) => loop.enqueue(objectKey(rs.metadata.namespace, rs.metadata.name ?? '')),
    onUpdate: (old, rs) => {
      if (changedBeyondStatus(old, rs)) loop.enqueue(objectKey(rs.metadata.namespace, rs.metadata.name ?? ''));
    },
    onDelete: (rs) => loop.enqueue(objectKey(rs.metadata.namespace, rs.metadata.name ?? '')),
  });
  podInf.addHandlers(ownedPodHandlers({ owners: ownersOf, exp, enqueue: (k) => loop.enqueue(k), controlled: (pod) => !!controllerRef(pod) }));
  return loop;
}


const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Kubernetes' ActivePods ordering: the pods it is cheapest to lose come first. */
function deletionOrder(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: Pod) => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const readySince = (p: Pod) => Date.parse(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '') || 0;
  if (ready(a) && readySince(a) !== readySince(b)) return readySince(b) - readySince(a);
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  if (created(a) !== created(b)) return created(b) - created(a);
  return (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}
