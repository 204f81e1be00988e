import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, o, str, type Printer } from './common.js';

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
function accessModes(modes: unknown): string {
  const m = Array.isArray(modes) ? modes : [];
  const out: string[] = [];
  if (m.includes('ReadWriteOnce')) out.push('RWO');
  if (m.includes('ReadOnlyMany')) out.push('ROX');
  if (m.includes('ReadWriteMany')) out.push('RWX');
  if (m.includes('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

function storageClass(obj: KubeObject): string {
  return str(obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class']) || str(o(obj.spec).storageClassName);
}

function phase(obj: KubeObject): string {
  return obj.metadata.deletionTimestamp ? 'Terminating' : str(o(obj.status).phase);
}

const VOLUME_MODE = col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { priority: 1 });
const VAC = col('VolumeAttributesClass', 'Name of VolumeAttributesClass to which this volume belongs.');

export const pvcPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'accessModes contains the desired access modes the volume should have.'),
    col('StorageClass', 'storageClassName is the name of the StorageClass required by the claim.'),
    VAC,
    AGE_COLUMN,
    VOLUME_MODE,
  ],
  row(pvc, now) {
    const spec = o(pvc.spec);
    const status = o(pvc.status);
    const bound = str(spec.volumeName) !== '';
    return {
      cells: [
        pvc.metadata.name,
        phase(pvc),
        str(spec.volumeName),
        bound ? String(o(status.capacity).storage ?? '') : '',
        bound ? accessModes(status.accessModes) : '',
        storageClass(pvc),
        str(spec.volumeAttributesClassName) || '<unset>',
        age(pvc, now),
        str(spec.volumeMode) || '<unset>',
      ],
    };
  },
};

export const pvPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    col('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
    VAC,
    col('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE_COLUMN,
    VOLUME_MODE,
  ],
  row(pv, now) {
    const spec = o(pv.spec);
    const claim = spec.claimRef ? `${str(o(spec.claimRef).namespace)}/${str(o(spec.claimRef).name)}` : '';
    return {
      cells: [
        pv.metadata.name,
        String(o(spec.capacity).storage ?? '0'),
        accessModes(spec.accessModes),
        str(spec.persistentVolumeReclaimPolicy),
        phase(pv),
        claim,
        storageClass(pv),
        str(spec.volumeAttributesClassName) || '<unset>',
        str(o(pv.status).reason),
        age(pv, now),
        str(spec.volumeMode) || '<unset>',
      ],
    };
  },
};

/** kubectl's StorageClass columns; the default class's name reads `local-path (default)`. */
export const storageClassPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Provisioner', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    col('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.', { type: 'boolean' }),
    AGE_COLUMN,
  ],
  row(sc, now) {
    const a = sc.metadata.annotations ?? {};
    const isDefault = a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
    return {
      cells: [
        isDefault ? `${sc.metadata.name ?? ''} (default)` : sc.metadata.name,
        str(sc.provisioner),
        str(sc.reclaimPolicy) || 'Delete',
        str(sc.volumeBindingMode) || 'Immediate',
        sc.allowVolumeExpansion === true,
        age(sc, now),
      ],
    };
  },
};
