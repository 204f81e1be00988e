import { ApiError, errors } from '../../api/errors.js';
import { deepEqual } from '../../api/podutil.js';
import { compareQuantities, isQuantity } from '../../api/quantity.js';
import {
  PVC_PROTECTION_FINALIZER,
  PV_PROTECTION_FINALIZER,
  claimClass,
  defaultClass,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../api/storage.js';
import type { KubeObject } from '../../api/types.js';
import type { ObjectReader } from '../objects.js';
import { checkLimitRanges } from './limitRanges.js';
import type { Strategy } from './types.js';

const PVC = { group: '', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' };

/** Every StorageClass, from the watch cache (read them, never change them). */
async function classes(objects: ObjectReader): Promise<readonly StorageClass[]> {
  return (await objects.list('/registry/storageclasses/')) as readonly StorageClass[];
}

function addFinalizer(obj: KubeObject, f: string): void {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(f)) obj.metadata.finalizers = [...list, f];
}

/**
 * PersistentVolumeClaims: the DefaultStorageClass admission plugin (a claim that names no class,
 * not even "", gets the default class), StorageObjectInUseProtection (the `pvc-protection`
 * finalizer, removed by the PV controller once no pod uses the claim), and the resize rules of
 * ValidatePersistentVolumeClaimUpdate plus the PersistentVolumeClaimResize admission: a bound
 * claim may grow, never shrink, and only when its class allows volume expansion.
 */
export function persistentVolumeClaimStrategy(objects: ObjectReader): Strategy {
  return {
    async prepareForCreate(obj) {
      const pvc = obj as PersistentVolumeClaim;
      addFinalizer(pvc, PVC_PROTECTION_FINALIZER);
      if (!pvc.spec || pvc.spec.storageClassName !== undefined || pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
      const def = defaultClass(await classes(objects));
      if (def?.metadata.name) pvc.spec.storageClassName = def.metadata.name;
    },
    async admit(obj, current) {
      // The LimitRanger checks what a claim requests: on create and when the request changes (not
      // on status writes, which cannot change it).
      const requests = (o: KubeObject | undefined) => (o as PersistentVolumeClaim | undefined)?.spec?.resources?.requests;
      if (!current || !deepEqual(requests(obj), requests(current))) await checkLimitRanges(objects, 'persistentvolumeclaims', obj);
      if (!current) return;
      const next = obj as PersistentVolumeClaim;
      const old = current as PersistentVolumeClaim;
      const want = next.spec?.resources?.requests?.storage;
      const had = old.spec?.resources?.requests?.storage;
      if (want === undefined || had === undefined || !isQuantity(want) || !isQuantity(had) || compareQuantities(want, had) === 0) return;
      const name = next.metadata.name ?? '';
      const field = 'spec.resources.requests.storage';
      if (compareQuantities(want, had) < 0) {
        throw errors.invalid(PVC, name, [{ reason: 'FieldValueForbidden', message: 'Forbidden: field can not be less than status.capacity', field }]);
      }
      if (old.status?.phase !== 'Bound') {
        throw errors.invalid(PVC, name, [{ reason: 'FieldValueForbidden', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', field: 'spec' }]);
      }
      const cls = (await classes(objects)).find((c) => c.metadata.name === claimClass(old));
      if (!cls?.allowVolumeExpansion) {
        throw new ApiError(403, 'Forbidden', `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`);
      }
    },
  };
}

/** PersistentVolumes: the `pv-protection` finalizer on create (the PV controller removes it once the volume is not bound). */
export const persistentVolumeStrategy: Strategy = {
  prepareForCreate(obj) {
    addFinalizer(obj, PV_PROTECTION_FINALIZER);
  },
};

