import { compareQuantities, isQuantity } from '../api/quantity.js';
import { LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../api/storage.js';
import type { ControllerContext } from '../client/controllerContext.js';
import type { EventRecorder } from '../client/events.js';

/**
 * Volume expansion for a bound claim whose `spec.resources.requests.storage` exceeds its
 * `status.capacity` (the API refused it already unless the class has `allowVolumeExpansion`). A
 * local-path volume is a directory with no size of its own, so expanding it is the bookkeeping the
 * expand controller and the kubelet do upstream: the PV's capacity, then the claim's
 * `status.capacity`, and the kubelet's `FileSystemResizeSuccessful` event. Volumes of other
 * provisioners (and static ones) cannot be expanded by Skiff; the claim says so in an event.
 */
export async function expandClaim(ctx: ControllerContext, recorder: EventRecorder, pvc: PersistentVolumeClaim, pv: PersistentVolume, sc: StorageClass | undefined): Promise<void> {
  const want = pvc.spec.resources?.requests?.storage;
  const have = pvc.status?.capacity?.storage;
  if (!want || !have || !isQuantity(want) || !isQuantity(have) || compareQuantities(want, have) <= 0) return;
  if (!sc?.allowVolumeExpansion) return;
  if (pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) {
    recorder.record(pvc, 'Warning', 'ExternalExpanding', `waiting for an external controller to expand this PVC: Skiff expands only ${LOCAL_PATH_PROVISIONER} volumes`);
    return;
  }
  recorder.record(pvc, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name ?? ''}`);
  const cap = pv.spec.capacity?.storage;
  if (!cap || !isQuantity(cap) || compareQuantities(cap, want) < 0) {
    await ctx.client.update('persistentvolumes', { ...pv, spec: { ...pv.spec, capacity: { ...pv.spec.capacity, storage: want } } });
  }
  await ctx.client.updateStatus('persistentvolumeclaims', { ...pvc, status: { ...pvc.status, capacity: { storage: want }, allocatedResources: { storage: want } } });
  recorder.record(pvc, 'Normal', 'FileSystemResizeSuccessful', `MountVolume.NodeExpandVolume succeeded for volume "${pv.metadata.name ?? ''}"`);
}
