import { isNotFound } from '../api/errors.js';
import { isPodTerminal } from '../api/podutil.js';
import { objectKey } from '../api/resources.js';
import { PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER, podClaims, type PersistentVolume, type PersistentVolumeClaim } from '../api/storage.js';
import type { KubeObject, Pod } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'storage-protection-controller';

/**
 * Upstream's pvc-protection and pv-protection controllers in one loop: a claim being deleted keeps
 * its `kubernetes.io/pvc-protection` finalizer while a pod that has not terminated uses it; a volume
 * being deleted keeps `kubernetes.io/pv-protection` while it is Bound. The finalizers are added on
 * create by the API (strategies/storage.ts, as the StorageObjectInUseProtection admission plugin).
 */
export function startStorageProtectionController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const pvcInf = informers.get<PersistentVolumeClaim>('persistentvolumeclaims');
  const pvInf = informers.get<PersistentVolume>('persistentvolumes');
  const podInf = informers.get<Pod>('pods');

  const release = async (resource: string, obj: KubeObject, finalizer: string): Promise<void> => {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await client.update(resource, { ...obj, metadata: { ...obj.metadata, finalizers } });
      log.debug('removed protection finalizer', { resource, name: obj.metadata.name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  const reconcile = async (key: string): Promise<void> => {
    if (key.startsWith('pvc:')) {
      const pvc = pvcInf.get(key.slice(4));
      if (!pvc?.metadata.deletionTimestamp || !pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
      const name = pvc.metadata.name ?? '';
      const inUse = podInf.list((p) => p.metadata.namespace === pvc.metadata.namespace && !isPodTerminal(p) && podClaims(p).includes(name));
      if (inUse.length === 0) await release('persistentvolumeclaims', pvc, PVC_PROTECTION_FINALIZER);
      return;
    }
    const pv = pvInf.get(key.slice(3));
    if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if (pv.status?.phase !== 'Bound') await release('persistentvolumes', pv, PV_PROTECTION_FINALIZER);
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['persistentvolumeclaims', 'persistentvolumes', 'pods']) });
  const pvcKey = (c: PersistentVolumeClaim) => `pvc:${objectKey(c.metadata.namespace, c.metadata.name ?? '')}`;
  pvcInf.addHandlers({ onAdd: (c) => loop.enqueue(pvcKey(c)), onUpdate: (_o, c) => loop.enqueue(pvcKey(c)) });
  pvInf.addHandlers({ onAdd: (v) => loop.enqueue(`pv:${v.metadata.name ?? ''}`), onUpdate: (_o, v) => loop.enqueue(`pv:${v.metadata.name ?? ''}`) });
  const onPod = (p: Pod) => {
    for (const c of podClaims(p)) loop.enqueue(`pvc:${objectKey(p.metadata.namespace, c)}`);
  };
  podInf.addHandlers({ onUpdate: (_o, p) => isPodTerminal(p) && onPod(p), onDelete: onPod });
  return loop;
}
