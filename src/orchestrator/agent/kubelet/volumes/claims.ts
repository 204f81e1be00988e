import { errors, isNotFound } from '../../../api/errors.js';
import type { KubeObject, Pod } from '../../../api/types.js';
import type { Client } from '../../../client/types.js';
import { checkHostPath } from './hostPath.js';
import type { ResolvedVolume } from './types.js';

interface Claim extends KubeObject {
  spec?: { volumeName?: string };
  status?: { phase?: string };
}
interface PersistentVolume extends KubeObject {
  spec?: {
    claimRef?: { namespace?: string; name?: string; uid?: string };
    hostPath?: { path?: string; type?: string };
    local?: { path?: string };
    [source: string]: unknown;
  };
}

const PV_SOURCES = ['nfs', 'csi', 'iscsi', 'rbd', 'cephfs', 'fc', 'glusterfs', 'azureDisk', 'azureFile', 'awsElasticBlockStore', 'gcePersistentDisk', 'cinder', 'vsphereVolume', 'flexVolume'];

/**
 * A `persistentVolumeClaim` volume: the claim must be bound (`spec.volumeName`, phase Bound) to a
 * PersistentVolume that names it; a `hostPath` or `local` volume is the path on this node, mounted
 * like a hostPath (`local` must exist as a directory). Provisioning and binding are the storage
 * controllers' work; other volume sources are refused with a message saying so.
 */
export async function resolveClaim(client: Client, pod: Pod, claimName: string, readOnly: boolean): Promise<ResolvedVolume> {
  const ns = pod.metadata.namespace ?? 'default';
  let claim: Claim;
  try {
    claim = await client.get<Claim>('persistentvolumeclaims', ns, claimName);
  } catch (e) {
    if (isNotFound(e)) throw errors.notFound({ group: '', resource: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim' }, claimName);
    throw e;
  }
  const phase = claim.status?.phase ?? '';
  const volumeName = claim.spec?.volumeName ?? '';
  if (phase !== 'Bound' || !volumeName) {
    throw new Error(`PVC ${ns}/${claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
  }
  const pv = await client.get<PersistentVolume>('persistentvolumes', undefined, volumeName);
  const ref = pv.spec?.claimRef;
  if (ref?.uid && ref.uid !== claim.metadata.uid) {
    throw new Error(`PersistentVolume ${volumeName} is bound to another claim (${ref.namespace ?? ''}/${ref.name ?? ''})`);
  }
  if (pv.spec?.hostPath?.path) {
    const path = pv.spec.hostPath.path;
    const r = await checkHostPath(path, pv.spec.hostPath.type ?? '');
    return { kind: 'host', path, readOnly, engineCreates: r.engineCreates, agentFiles: false };
  }
  if (pv.spec?.local?.path) {
    const path = pv.spec.local.path;
    await checkHostPath(path, 'Directory').catch(() => {
      throw new Error(`local volume ${volumeName}: path "${path}" does not exist or is not a directory on this node`);
    });
    return { kind: 'host', path, readOnly, engineCreates: false, agentFiles: false };
  }
  const kind = PV_SOURCES.find((s) => pv.spec?.[s] !== undefined) ?? 'unknown';
  throw new Error(`PersistentVolume ${volumeName}: ${kind} volumes cannot be mounted by Skiff yet (hostPath and local volumes can)`);
}
