import { objectKey } from '../../api/resources.js';
import { type PersistentVolume, type PersistentVolumeClaim } from '../../api/storage.js';
import type { Informer } from '../../client/Informer.js';

/**
 * Where a pod's delayed claims stand once PreBind named the node on them (kube-scheduler's volume
 * binder `checkBindings`): `true` when each is bound to a volume that is bound back to it, `false`
 * while one is still being provisioned or bound, or why the pod cannot use them (a claim deleted).
 */
export function claimsBound(pvcs: Informer<PersistentVolumeClaim>, pvs: Informer<PersistentVolume>, keys: readonly string[]): boolean | string {
  for (const key of keys) {
    const pvc = pvcs.get(key);
    if (!pvc) return `persistentvolumeclaim "${key}" not found`;
    if (pvc.metadata.deletionTimestamp) return `persistentvolumeclaim "${key}" is being deleted`;
    const volumeName = pvc.spec.volumeName;
    if (!volumeName) return false;
    const pv = pvs.get(volumeName);
    if (!pv) return false;
    const ref = pv.spec.claimRef;
    if (!ref || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace || (ref.uid && ref.uid !== pvc.metadata.uid)) return false;
    if (pvc.status?.phase !== 'Bound') return false;
  }
  return true;
}

export const claimKey = (pvc: PersistentVolumeClaim): string => objectKey(pvc.metadata.namespace, pvc.metadata.name ?? '');
