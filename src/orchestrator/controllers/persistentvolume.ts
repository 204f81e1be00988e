import { isConflict, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import {
  BETA_STORAGE_PROVISIONER_ANNOTATION,
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  NO_PROVISIONER,
  STORAGE_PROVISIONER_ANNOTATION,
  claimClass,
  findBestMatch,
  selectedNode,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../api/storage.js';
import type { Node } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { expandClaim } from './volumeexpand.js';

const COMPONENT = 'persistentvolume-controller';

/**
 * Kubernetes' PV controller (pkg/controller/volume/persistentvolume), one loop with two key kinds:
 * `claim:<ns>/<name>` binds a pending claim to the smallest static volume that fits (class, access
 * modes, size, selector, volume mode; for WaitForFirstConsumer only once the scheduler has chosen a
 * node, and then only volumes usable there) or hands it to its class's provisioner; `volume:<name>`
 * keeps a volume's phase true (Available, Bound, Released, Failed) and reclaims a released one:
 * `Retain` keeps it Released, `Delete` of a provisioned volume is the provisioner's work, anything
 * else fails with upstream's event. Bound claims that ask for more storage are expanded
 * (volumeexpand.ts). Events and annotations are upstream's, so `kubectl describe` reads the same.
 */
export function startPersistentVolumeController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const pvcInf = informers.get<PersistentVolumeClaim>('persistentvolumeclaims');
  const pvInf = informers.get<PersistentVolume>('persistentvolumes');
  const scInf = informers.get<StorageClass>('storageclasses');
  const nodeInf = informers.get<Node>('nodes');

  const setClaimPhase = async (pvc: PersistentVolumeClaim, phase: string, pv?: PersistentVolume): Promise<void> => {
    const status = pv
      ? { ...pvc.status, phase, accessModes: pv.spec.accessModes, capacity: { storage: pv.spec.capacity?.storage } }
      : { ...pvc.status, phase };
    if (JSON.stringify(status) === JSON.stringify(pvc.status)) return;
    await client.updateStatus('persistentvolumeclaims', { ...pvc, status });
  };

  const setVolumePhase = async (pv: PersistentVolume, phase: string, reason?: string, message?: string): Promise<PersistentVolume> => {
    const cur = pv.status ?? {};
    if (cur.phase === phase && cur.reason === reason && cur.message === message) return pv;
    const status = { phase, ...(reason ? { reason } : {}), ...(message ? { message } : {}), lastPhaseTransitionTime: cur.phase === phase ? cur.lastPhaseTransitionTime : isoTime(clock.now()) };
    return client.updateStatus('persistentvolumes', { ...pv, status });
  };

  /** Writes the two halves of a binding, volume first (as upstream), each idempotent. */
  const bind = async (pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> => {
    const ref = pv.spec.claimRef;
    let vol = pv;
    if (ref?.uid !== pvc.metadata.uid) {
      const annotations = { ...pv.metadata.annotations, ...(ref ? {} : { [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' }) };
      vol = await client.update('persistentvolumes', {
        ...pv,
        metadata: { ...pv.metadata, annotations },
        spec: { ...pv.spec, claimRef: { kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion } },
      });
    }
    vol = await setVolumePhase(vol, 'Bound');
    let claim = pvc;
    if (pvc.spec.volumeName !== pv.metadata.name || pvc.metadata.annotations?.[BIND_COMPLETED_ANNOTATION] !== 'yes') {
      const annotations = { ...pvc.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: 'yes', ...(pvc.spec.volumeName ? {} : { [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' }) };
      claim = await client.update('persistentvolumeclaims', { ...pvc, metadata: { ...pvc.metadata, annotations }, spec: { ...pvc.spec, volumeName: pv.metadata.name } });
    }
    await setClaimPhase(claim, 'Bound', vol);
    log.debug('bound', { claim: objectKey(pvc.metadata.namespace, pvc.metadata.name ?? ''), volume: pv.metadata.name });
  };

  const syncUnboundClaim = async (pvc: PersistentVolumeClaim): Promise<void> => {
    const className = claimClass(pvc);
    const sc = className ? scInf.get(className) : undefined;
    const delayed = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const nodeName = selectedNode(pvc);
    if (delayed && !nodeName) {
      // Unless a volume is pre-bound to it, the claim waits for the scheduler to pick a node.
      const prebound = findBestMatch(pvInf.list(), pvc);
      if (prebound?.spec.claimRef) return bind(prebound, pvc);
      await setClaimPhase(pvc, 'Pending');
      recorder.record(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const node = delayed && nodeName ? nodeInf.get(nodeName) : undefined;
    const match = findBestMatch(pvInf.list(), pvc, node);
    if (match) return bind(match, pvc);
    await setClaimPhase(pvc, 'Pending');
    if (!className) {
      recorder.record(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    if (!sc) {
      recorder.record(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = sc.provisioner ?? '';
    if (provisioner === NO_PROVISIONER) {
      recorder.record(pvc, 'Normal', 'FailedBinding', `no persistent volumes available for this claim and storage class "${className}" has no provisioner (${NO_PROVISIONER})`);
      return;
    }
    if (pvc.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION] !== provisioner) {
      const annotations = { ...pvc.metadata.annotations, [STORAGE_PROVISIONER_ANNOTATION]: provisioner, [BETA_STORAGE_PROVISIONER_ANNOTATION]: provisioner };
      await client.update('persistentvolumeclaims', { ...pvc, metadata: { ...pvc.metadata, annotations } });
    }
    recorder.record(pvc, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  };

  const syncClaim = async (key: string): Promise<void> => {
    const pvc = pvcInf.get(key);
    if (!pvc) return;
    const volumeName = pvc.spec.volumeName;
    if (!volumeName) {
      if (pvc.metadata.deletionTimestamp) return;
      return syncUnboundClaim(pvc);
    }
    const pv = pvInf.get(volumeName);
    if (!pv) {
      if (pvc.status?.phase === 'Bound') recorder.record(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      // A claim that names a volume not yet created (pre-bound) waits for it.
      await setClaimPhase(pvc, pvc.status?.phase === 'Bound' || pvc.status?.phase === 'Lost' ? 'Lost' : 'Pending');
      return;
    }
    const ref = pv.spec.claimRef;
    if (!ref || (ref.namespace === pvc.metadata.namespace && ref.name === pvc.metadata.name && (!ref.uid || ref.uid === pvc.metadata.uid))) {
      if (!ref && (pv.status?.phase ?? 'Available') !== 'Available') return setClaimPhase(pvc, 'Pending');
      await bind(pv, pvc);
      await expandClaim(ctx, recorder, pvcInf.get(key) ?? pvc, pvInf.get(volumeName) ?? pv, scInf.get(claimClass(pvc)));
      return;
    }
    recorder.record(pvc, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    await setClaimPhase(pvc, 'Lost');
  };

  const syncVolume = async (name: string): Promise<void> => {
    const pv = pvInf.get(name);
    if (!pv) return;
    const ref = pv.spec.claimRef;
    if (!ref) {
      if (pv.status?.phase !== 'Available') await setVolumePhase(pv, 'Available');
      return;
    }
    const claim = pvcInf.get(objectKey(ref.namespace, ref.name ?? ''));
    if (!ref.uid) {
      // Pre-bound by the user: Available until its claim binds to it.
      if (pv.status?.phase !== 'Available') await setVolumePhase(pv, 'Available');
      if (claim) loop.enqueue(`claim:${objectKey(ref.namespace, ref.name ?? '')}`);
      return;
    }
    if (claim && claim.metadata.uid === ref.uid) {
      if (!claim.spec.volumeName || claim.spec.volumeName === name) {
        if (pv.status?.phase !== 'Bound') await setVolumePhase(pv, 'Bound');
        if (!claim.spec.volumeName || claim.status?.phase !== 'Bound') loop.enqueue(`claim:${objectKey(ref.namespace, ref.name ?? '')}`);
        return;
      }
      // The claim went to another volume: a binding we made is undone; one the user made stays.
      if (pv.metadata.annotations?.[BOUND_BY_CONTROLLER_ANNOTATION] === 'yes') {
        const annotations = { ...pv.metadata.annotations };
        delete annotations[BOUND_BY_CONTROLLER_ANNOTATION];
        const spec = { ...pv.spec };
        delete spec.claimRef;
        await setVolumePhase(await client.update('persistentvolumes', { ...pv, metadata: { ...pv.metadata, annotations }, spec }), 'Available');
      }
      return;
    }
    // Its claim is gone: the volume is released and reclaimed by its policy.
    const released = pv.status?.phase === 'Released' || pv.status?.phase === 'Failed' ? pv : await setVolumePhase(pv, 'Released');
    const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain' || released.status?.phase === 'Failed') return;
    if (policy === 'Recycle') {
      recorder.record(pv, 'Warning', 'VolumeFailedRecycle', 'Recycle is not supported by Skiff (deprecated upstream): delete and re-create the volume');
      await setVolumePhase(released, 'Failed', 'VolumeFailedRecycle', 'recycling is not supported');
      return;
    }
    const provisioner = pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'];
    if (!provisioner) {
      const msg = `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched`;
      recorder.record(pv, 'Warning', 'VolumeFailedDelete', msg);
      await setVolumePhase(released, 'Failed', 'VolumeFailedDelete', msg);
    }
    // Provisioned volumes: their provisioner deletes the storage and then the volume.
  };

  const reconcile = async (key: string): Promise<void> => {
    try {
      if (key.startsWith('claim:')) await syncClaim(key.slice('claim:'.length));
      else if (key.startsWith('volume:')) await syncVolume(key.slice('volume:'.length));
    } catch (e) {
      // A write lost a race with another writer (the provisioner, the user): look again.
      if (isConflict(e) || isNotFound(e)) {
        loop.enqueueAfter(key, 100);
        return;
      }
      throw e;
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['persistentvolumeclaims', 'persistentvolumes', 'storageclasses', 'nodes']) });
  const claimKey = (c: PersistentVolumeClaim) => `claim:${objectKey(c.metadata.namespace, c.metadata.name ?? '')}`;
  pvcInf.addHandlers({
    onAdd: (c) => loop.enqueue(claimKey(c)),
    onUpdate: (_o, c) => loop.enqueue(claimKey(c)),
    onDelete: (c) => {
      if (c.spec.volumeName) loop.enqueue(`volume:${c.spec.volumeName}`);
    },
  });
  const onVolume = (v: PersistentVolume) => {
    loop.enqueue(`volume:${v.metadata.name ?? ''}`);
    const ref = v.spec.claimRef;
    if (ref?.name) loop.enqueue(`claim:${objectKey(ref.namespace, ref.name)}`);
    // A new or freed volume may be what a pending claim waits for.
    if (!ref) for (const c of pvcInf.list((c) => !c.spec.volumeName)) loop.enqueue(claimKey(c));
  };
  pvInf.addHandlers({ onAdd: onVolume, onUpdate: (_o, v) => onVolume(v), onDelete: (v) => v.spec.claimRef?.name && loop.enqueue(`claim:${objectKey(v.spec.claimRef.namespace, v.spec.claimRef.name)}`) });
  // Upstream resyncs every 15 s; pending claims are looked at again as volumes and classes change.
  scInf.addHandlers({ onAdd: () => pvcInf.list((c) => !c.spec.volumeName).forEach((c) => loop.enqueue(claimKey(c))) });
  return { ...loop, name: COMPONENT };
}
