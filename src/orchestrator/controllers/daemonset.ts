import { isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import { selectorMatches } from '../api/selectors.js';
import type { ControllerRevision, DaemonSet, DaemonSetStatus, Node, Pod } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { Expectations } from './expectations.js';
import { claim } from './ownership.js';
import { changedBeyondStatus, controllerRef, deepEqual, isPodAvailable, isPodReady, msUntilAvailable } from '../api/podutil.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { errorText, ownedPodHandlers, terminatingNamespace } from './podcontrol.js';
import { resolveIntOrPercent } from './deploymentutil.js';
import { REVISION_HASH_LABEL, syncHistory, truncateHistory } from './history.js';
import { daemonPod, nodeShouldRun, targetNode } from './daemonsetutil.js';

const COMPONENT = 'daemonset-controller';

/** What is on one node for one DaemonSet. */
interface NodeState {
  node: string;
  shouldRun: boolean;
  shouldContinue: boolean;
  /** Live (not terminating, not failed) pods, oldest first. */
  pods: Pod[];
}

/**
 * DaemonSet -> one pod per eligible node (Kubernetes' daemon controller). A node is eligible when it
 * matches the template's nodeSelector and required node affinity and every NoSchedule/NoExecute
 * taint is tolerated (daemon pods tolerate not-ready, unreachable, pressure and unschedulable);
 * nodes added later get their pod when they appear. Pods are pinned to their node by node affinity
 * and bound by the scheduler. The template's history is kept in ControllerRevisions
 * (`rollout history|undo`), and a changed template rolls out per `updateStrategy`: RollingUpdate
 * with maxUnavailable (delete old, then create) or maxSurge (create new beside old, delete old once
 * available), or OnDelete (new pods only where old ones were deleted). Failed pods are replaced.
 */
export function startDaemonSetController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const dsInf = informers.get<DaemonSet>('daemonsets');
  const podInf = informers.get<Pod>('pods');
  const nodeInf = informers.get<Node>('nodes');
  const crInf = informers.get<ControllerRevision>('controllerrevisions');
  const exp = new Expectations(clock);
  const failedBackoff = new Map<string, { n: number; until: number }>();

  const reconcile = async (key: string): Promise<void> => {
    const ds = dsInf.get(key);
    if (!ds) {
      exp.forget(key);
      for (const k of failedBackoff.keys()) if (k.startsWith(`${key}/`)) failedBackoff.delete(k);
      return;
    }
    const ns = ds.metadata.namespace ?? '';
    const candidates = podInf.byIndex('namespace', ns).filter((p) => p.status?.phase !== 'Succeeded');
    const pods = await claim({ client, log, resource: 'pods', owner: ds, ownerResource: 'daemonsets', candidates, selects: (p) => selectorMatches(ds.spec.selector, p.metadata.labels) });
    if (ds.metadata.deletionTimestamp) return;
    const history = await syncHistory(client, 'daemonsets', ds, crInf.byIndex('namespace', ns));
    const hash = history.update.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
    const states = new Map<string, NodeState>();
    for (const n of nodeInf.list()) {
      const name = n.metadata.name ?? '';
      states.set(name, { node: name, ...nodeShouldRun(ds, n), pods: [] });
    }
    const failed: Pod[] = [];
    const orphaned: Pod[] = [];
    // A node whose pod is still terminating gets its next pod once that one is gone, as Kubernetes'
    // podsShouldBeOnNode waits (a rollout never shows an old and a new pod on one node without surge).
    const terminatingOn = new Set<string>();
    for (const p of pods) {
      if (p.metadata.deletionTimestamp) {
        terminatingOn.add(targetNode(p) ?? '');
        continue;
      }
      const s = states.get(targetNode(p) ?? '');
      if (!s) orphaned.push(p);
      else if (p.status?.phase === 'Failed') failed.push(p);
      else s.pods.push(p);
    }
    for (const s of states.values()) s.pods.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));

    if (exp.satisfied(key)) {
      const create: string[] = [];
      const remove: Pod[] = [...orphaned];
      const now = clock.now();
      for (const p of failed) {
        recorder.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ns}/${p.metadata.name} on node ${targetNode(p)}, will try to kill it`);
        remove.push(p);
        // failedPodsBackoff: 1s doubling to 15 minutes per node, so a pod that fails at once is not a hot loop.
        const b = failedBackoff.get(`${key}/${targetNode(p)}`) ?? { n: 0, until: 0 };
        failedBackoff.set(`${key}/${targetNode(p)}`, { n: b.n + 1, until: now + Math.min(1000 * 2 ** b.n, 15 * 60_000) });
      }
      const surging = maxSurgeOf(ds, states) > 0;
      for (const s of states.values()) {
        if (!s.shouldContinue) remove.push(...s.pods);
        else if (s.pods.length === 0 && s.shouldRun && !terminatingOn.has(s.node) && !failed.some((p) => targetNode(p) === s.node)) {
          const until = failedBackoff.get(`${key}/${s.node}`)?.until ?? 0;
          if (until > now) loop.enqueueAfter(key, until - now);
          else create.push(s.node);
        }
        else if (s.pods.length > 1) {
          // One pod per node; while surging, one old and one new.
          const updated = s.pods.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
          const old = s.pods.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
          if (surging && updated.length) remove.push(...updated.slice(1), ...old.slice(1));
          else remove.push(...s.pods.slice(1));
        }
      }
      if (ds.spec.updateStrategy?.type !== 'OnDelete') rollingUpdate(ds, hash, states, create, remove);
      await manage(ds, key, hash, create, [...new Set(remove)]);
    }
    await truncateHistory(client, ds, history, new Set(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL] ?? '')));
    await writeStatus(ds, hash, states);
  };

  const maxSurgeOf = (ds: DaemonSet, states: Map<string, NodeState>): number => {
    if (ds.spec.updateStrategy?.type === 'OnDelete') return 0;
    const desired = [...states.values()].filter((s) => s.shouldRun).length;
    return resolveIntOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxSurge, desired, '0', true);
  };

  /** Kubernetes' rollingUpdate: which old pods go (and, with maxSurge, which nodes get a new pod first). */
  const rollingUpdate = (ds: DaemonSet, hash: string, states: Map<string, NodeState>, create: string[], remove: Pod[]): void => {
    const now = clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const wanted = [...states.values()].filter((s) => s.shouldRun && s.shouldContinue);
    const desired = wanted.length;
    const surge = maxSurgeOf(ds, states);
    let maxUnavailable = resolveIntOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, desired, '1', true);
    if (maxUnavailable === 0 && surge === 0) maxUnavailable = 1;
    const isNew = (p: Pod) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash;
    const available = (p: Pod) => isPodAvailable(p, minReady, now);
    if (surge === 0) {
      let unavailable = wanted.filter((s) => !s.pods.some(available)).length;
      const oldAvailable: Pod[] = [];
      for (const s of wanted) {
        const old = s.pods.find((p) => !isNew(p));
        if (!old || remove.includes(old)) continue;
        if (!available(old)) remove.push(old); // already down: replacing it costs nothing
        else oldAvailable.push(old);
      }
      for (const p of oldAvailable) {
        if (unavailable >= maxUnavailable) break;
        remove.push(p);
        unavailable++;
      }
      return;
    }
    let surged = wanted.filter((s) => s.pods.some(isNew) && s.pods.some((p) => !isNew(p))).length;
    for (const s of wanted) {
      const old = s.pods.find((p) => !isNew(p));
      const fresh = s.pods.find(isNew);
      if (!old) continue;
      if (fresh) {
        if (available(fresh)) remove.push(old);
      } else if (!available(old)) remove.push(old);
      else if (surged < surge) {
        create.push(s.node);
        surged++;
      }
    }
  };

  const manage = async (ds: DaemonSet, key: string, hash: string, create: string[], remove: Pod[]): Promise<void> => {
    const keys = remove.map((p) => objectKey(p.metadata.namespace, p.metadata.name ?? ''));
    exp.expectAdds(key, create.length);
    exp.expectDeletes(key, keys);
    const results = await Promise.allSettled([
      ...create.map(async (node) => {
        const created = await client.create('pods', daemonPod(ds, node, hash));
        recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      }),
      ...remove.map(async (p, i) => {
        try {
          await client.delete('pods', p.metadata.namespace, p.metadata.name ?? '');
          recorder.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          exp.observeDelete(key, keys[i] as string);
          if (!isNotFound(e)) throw e;
        }
      }),
    ]);
    let first: unknown;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      if (i < create.length) exp.observeAdd(key);
      if (terminatingNamespace(r.reason)) return;
      first ??= r.reason;
      recorder.record(ds, 'Warning', i < create.length ? 'FailedCreate' : 'FailedDelete', `Error ${i < create.length ? 'creating' : 'deleting'}: ${errorText(r.reason)}`);
    });
    if (first) throw first;
  };

  const writeStatus = async (ds: DaemonSet, hash: string, states: Map<string, NodeState>): Promise<void> => {
    const now = clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    const waits: number[] = [];
    for (const s of states.values()) {
      const live = s.pods;
      if (s.shouldRun) desired++;
      if (!s.shouldRun && live.length) misscheduled++;
      if (!s.shouldRun || !live.length) continue;
      current++;
      if (live.some(isPodReady)) ready++;
      if (live.some((p) => isPodAvailable(p, minReady, now))) available++;
      if (live.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash)) updated++;
      for (const p of live) {
        const w = msUntilAvailable(p, minReady, now);
        if (w !== undefined) waits.push(w);
      }
    }
    const status: DaemonSetStatus = {
      ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
      currentNumberScheduled: current,
      desiredNumberScheduled: desired,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: desired - available,
      updatedNumberScheduled: updated,
      observedGeneration: ds.metadata.generation ?? 0,
    };
    if (waits.length) loop.enqueueAfter(objectKey(ds.metadata.namespace, ds.metadata.name ?? ''), Math.min(...waits) + 1);
    if (deepEqual(status, ds.status ?? {})) return;
    await client.patch('daemonsets', ds.metadata.namespace, ds.metadata.name ?? '', 'merge', { status }, { subresource: 'status' });
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['daemonsets', 'pods', 'nodes', 'controllerrevisions']) });
  const dsKey = (d: DaemonSet) => objectKey(d.metadata.namespace, d.metadata.name ?? '');
  const ownerOf = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    return ref?.kind === 'DaemonSet' ? objectKey(pod.metadata.namespace, ref.name) : undefined;
  };
  const all = () => {
    for (const d of dsInf.list()) loop.enqueue(dsKey(d));
  };
  dsInf.addHandlers({
    onAdd: (d) => loop.enqueue(dsKey(d)),
    onUpdate: (old, d) => {
      if (changedBeyondStatus(old, d)) loop.enqueue(dsKey(d));
    },
    onDelete: (d) => loop.enqueue(dsKey(d)),
  });
  nodeInf.addHandlers({
    onAdd: all,
    onUpdate: (old, n) => {
      if (!deepEqual(old.metadata.labels, n.metadata.labels) || !deepEqual(old.spec, n.spec)) all();
    },
    onDelete: all,
  });
  podInf.addHandlers(ownedPodHandlers({ owners: (pod) => [ownerOf(pod)].filter((k): k is string => !!k), exp, enqueue: (k) => loop.enqueue(k) }));
  return loop;
}
