import { ApiError, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import { selectorMatches } from '../api/selectors.js';
import type { ControllerRevision, KubeObject, Pod, PodTemplateSpec, StatefulSet, StatefulSetStatus } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { claim } from './ownership.js';
import { changedBeyondStatus, controllerRef, deepEqual, isPodAvailable, isPodReady, msUntilAvailable } from '../api/podutil.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { errorText, terminatingNamespace } from './podcontrol.js';
import { REVISION_HASH_LABEL, syncHistory, truncateHistory } from './history.js';
import { claimFor, claimName, ordinalOf, ownerRef, startOrdinal, statefulPod, templateOfRevision } from './statefulsetutil.js';

const COMPONENT = 'statefulset-controller';
const BURST = 500;

/**
 * StatefulSet -> pods `<set>-<ordinal>` (Kubernetes' statefulset controller). Each pod keeps its name,
 * hostname and subdomain (`serviceName`), and its PVCs `<template>-<pod>` made from
 * `volumeClaimTemplates` before the pod. OrderedReady creates pods one at a time in ordinal order,
 * each waiting for the one before to be Running and Ready, and removes them from the highest
 * ordinal down, one at a time; Parallel does both at once. A changed template is recorded as a
 * ControllerRevision (`rollout history|undo`) and rolled out per `updateStrategy`: RollingUpdate
 * replaces pods from the highest ordinal down to `partition`, one at a time, each waiting for the
 * last to be Ready; pods below the partition (and all of them with OnDelete) keep their revision
 * until deleted. `persistentVolumeClaimRetentionPolicy` makes PVCs owned by the set (whenDeleted:
 * Delete) or by their pod once scaled away (whenScaled: Delete), so the garbage collector removes
 * them; Retain leaves them. Failed pods are deleted and made again.
 */
export function startStatefulSetController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const stsInf = informers.get<StatefulSet>('statefulsets');
  const podInf = informers.get<Pod>('pods');
  const crInf = informers.get<ControllerRevision>('controllerrevisions');
  const pvcInf = informers.get('persistentvolumeclaims');

  const reconcile = async (key: string): Promise<void> => {
    const sts = stsInf.get(key);
    if (!sts) return;
    const ns = sts.metadata.namespace ?? '';
    const candidates = podInf.byIndex('namespace', ns).filter((p) => ordinalOf(sts, p) !== undefined || controllerRef(p)?.uid === sts.metadata.uid);
    const pods = await claim({ client, log, resource: 'pods', owner: sts, ownerResource: 'statefulsets', candidates, selects: (p) => selectorMatches(sts.spec.selector, p.metadata.labels) });
    if (sts.metadata.deletionTimestamp) return;
    const history = await syncHistory(client, 'statefulsets', sts, crInf.byIndex('namespace', ns));
    const updateRevision = history.update.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
    const currentCr = history.all.find((r) => r.metadata.labels?.[REVISION_HASH_LABEL] === sts.status?.currentRevision);
    const currentRevision = currentCr ? (sts.status?.currentRevision ?? updateRevision) : updateRevision;
    const currentTemplate = (currentCr && templateOfRevision(currentCr.data)) || sts.spec.template;

    const replicas = sts.spec.replicas ?? 1;
    const start = startOrdinal(sts);
    const monotonic = sts.spec.podManagementPolicy !== 'Parallel';
    const rolling = sts.spec.updateStrategy?.type !== 'OnDelete';
    const partition = rolling ? (sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const byOrdinal = new Map<number, Pod>();
    const condemned: Pod[] = [];
    for (const p of pods) {
      const ord = ordinalOf(sts, p);
      if (ord !== undefined && ord >= start && ord < start + replicas) byOrdinal.set(ord, p);
      else condemned.push(p);
    }
    condemned.sort((a, b) => (ordinalOf(sts, b) ?? -1) - (ordinalOf(sts, a) ?? -1));
    const now = clock.now();
    const minReady = sts.spec.minReadySeconds ?? 0;
    const healthy = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);
    const revisionOf = (p: Pod) => p.metadata.labels?.[REVISION_HASH_LABEL];

    /** Which template (and revision) a pod made now gets (newVersionedStatefulSetPod). */
    const versionFor = (ord: number): [PodTemplateSpec, string] => (rolling && ord < start + partition ? [currentTemplate, currentRevision] : [sts.spec.template, updateRevision]);

    const act = async (): Promise<void> => {
      let created = 0;
      for (let ord = start; ord < start + replicas; ord++) {
        const pod = byOrdinal.get(ord);
        if (!pod) {
          const [template, revision] = versionFor(ord);
          await createPod(sts, template, ord, revision);
          if (monotonic) return;
          // Parallel: at most BURST per reconcile (the pods' events bring the next round), so a huge
          // `replicas` neither loops for long nor floods the API at once.
          if (++created >= BURST) return;
          continue;
        }
        if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
          await deletePod(sts, pod);
          if (monotonic) return;
          continue;
        }
        if (monotonic && !healthy(pod)) return;
        if (monotonic && !isPodAvailable(pod, minReady, now)) return;
      }
      for (const pod of condemned) {
        if (pod.metadata.deletionTimestamp) {
          if (monotonic) return;
          continue;
        }
        // OrderedReady scales down only while the rest are healthy (the condemned pod itself may be sick).
        if (monotonic && [...byOrdinal.values()].some((p) => !healthy(p))) return;
        await releaseClaims(sts, pod);
        await deletePod(sts, pod);
        if (monotonic) return;
      }
      if (!rolling) return;
      // RollingUpdate: highest ordinal first, down to the partition, one pod at a time.
      for (let ord = start + replicas - 1; ord >= start + partition; ord--) {
        const pod = byOrdinal.get(ord);
        if (!pod) return;
        if (revisionOf(pod) !== updateRevision) {
          if (!pod.metadata.deletionTimestamp) await deletePod(sts, pod);
          return;
        }
        if (!healthy(pod)) return;
      }
    };
    let failure: unknown;
    try {
      await act();
    } catch (e) {
      failure = e;
    }
    await truncateHistory(client, sts, history, new Set([currentRevision, updateRevision, ...pods.map((p) => revisionOf(p) ?? '')]));

    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const status: StatefulSetStatus = {
      observedGeneration: sts.metadata.generation ?? 0,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentReplicas: live.filter((p) => revisionOf(p) === currentRevision).length,
      updatedReplicas: live.filter((p) => revisionOf(p) === updateRevision).length,
      currentRevision,
      updateRevision,
      collisionCount: sts.status?.collisionCount ?? 0,
    };
    // The rollout is done once every pod is at the update revision and ready: it becomes current.
    if (rolling && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    const waits = live.map((p) => msUntilAvailable(p, minReady, now)).filter((x): x is number => x !== undefined);
    if (waits.length) loop.enqueueAfter(key, Math.min(...waits) + 1);
    if (!deepEqual(status, sts.status ?? {})) {
      await client.patch('statefulsets', ns, sts.metadata.name ?? '', 'merge', { status }, { subresource: 'status' });
    }
    if (failure) throw failure;
  };

  const createPod = async (sts: StatefulSet, template: PodTemplateSpec, ord: number, revision: string): Promise<void> => {
    const pod = statefulPod(sts, template, ord, revision);
    const podName = pod.metadata.name ?? '';
    const setName = sts.metadata.name ?? '';
    const whenDeleted = sts.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
    for (const vct of sts.spec.volumeClaimTemplates ?? []) {
      const name = claimName(vct, podName);
      if (pvcInf.getByName(sts.metadata.namespace, name)) continue;
      try {
        await client.create('persistentvolumeclaims', claimFor(sts, vct, podName, whenDeleted ? [ownerRef(sts)] : []) as KubeObject);
        recorder.record(sts, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${setName} success`);
      } catch (e) {
        if (e instanceof ApiError && e.code === 409) continue;
        if (terminatingNamespace(e)) return;
        recorder.record(sts, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorText(e)}`);
        throw e;
      }
    }
    try {
      await client.create('pods', pod);
      recorder.record(sts, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) return; // the old pod of that name is still going
      if (terminatingNamespace(e)) return;
      recorder.record(sts, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${errorText(e)}`);
      throw e;
    }
  };

  const deletePod = async (sts: StatefulSet, pod: Pod): Promise<void> => {
    try {
      await client.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid } });
      recorder.record(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      if (isNotFound(e)) return;
      recorder.record(sts, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${errorText(e)}`);
      throw e;
    }
  };

  /** whenScaled: Delete — a scaled-away pod's claims become owned by it, so they go with it. */
  const releaseClaims = async (sts: StatefulSet, pod: Pod): Promise<void> => {
    if (sts.spec.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    for (const vct of sts.spec.volumeClaimTemplates ?? []) {
      const pvc = pvcInf.getByName(sts.metadata.namespace, claimName(vct, pod.metadata.name ?? ''));
      if (!pvc || pvc.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue;
      try {
        await client.patch('persistentvolumeclaims', pvc.metadata.namespace, pvc.metadata.name ?? '', 'merge', {
          metadata: { ownerReferences: [...(pvc.metadata.ownerReferences ?? []), ownerRef(pod)], resourceVersion: pvc.metadata.resourceVersion },
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['statefulsets', 'pods', 'controllerrevisions', 'persistentvolumeclaims']) });
  const stsKey = (s: StatefulSet) => objectKey(s.metadata.namespace, s.metadata.name ?? '');
  const ownerOf = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    return ref?.kind === 'StatefulSet' ? objectKey(pod.metadata.namespace, ref.name) : undefined;
  };
  stsInf.addHandlers({
    onAdd: (s) => loop.enqueue(stsKey(s)),
    onUpdate: (old, s) => {
      if (changedBeyondStatus(old, s)) loop.enqueue(stsKey(s));
    },
    onDelete: (s) => loop.enqueue(stsKey(s)),
  });
  podInf.addHandlers({
    onAdd: (pod) => {
      const k = ownerOf(pod);
      if (k) loop.enqueue(k);
    },
    onUpdate: (old, pod) => {
      const k = ownerOf(pod) ?? ownerOf(old);
      if (k) loop.enqueue(k);
    },
    onDelete: (pod) => {
      const k = ownerOf(pod);
      if (k) loop.enqueue(k);
    },
  });
  return loop;
}
