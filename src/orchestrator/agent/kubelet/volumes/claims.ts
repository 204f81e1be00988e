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
    nfs?: { server?: string; path?: string; readOnly?: boolean };
    mountOptions?: string[];
    [source: string]: unknown;
  };
}

const PV_SOURCES = ['csi', 'iscsi', 'rbd', 'cephfs', 'fc', 'glusterfs', 'azureDisk', 'azureFile', 'awsElasticBlockStore', 'gcePersistentDisk', 'cinder', 'vsphereVolume', 'flexVolume'];

/** An NFS PersistentVolume: the pod's engine volume mounts the export (VolumeSpec.nfs). */
export interface NfsClaimSource {
  kind: 'nfs';
  nfs: { server: string; path: string; readOnly: boolean; options: string[] };
}

/**
 * A `persistentVolumeClaim` volume: the claim must be bound (`spec.volumeName`, phase Bound) to a
 * PersistentVolume that names it; a `hostPath` or `local` volume is the path on this node, mounted
 * like a hostPath (`local` must exist as a directory); an `nfs` volume is mounted by the engine
 * with the host's NFS client (read-only when the PV or the claim says so, with the PV's
 * `mountOptions`). Provisioning and binding are the storage
 * controllers' work; other volume sources are refused with a message saying so.
 */
export async function resolveClaim(client: Client, pod: Pod, claimName: string, readOnly: boolean): Promise<ResolvedVolume | NfsClaimSource> {
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
  const nfs = pv.spec?.nfs;
  if (nfs) {
    const server = nfs.server ?? '';
    const path = nfs.path ?? '';
    const options = pv.spec?.mountOptions ?? [];
    // The engine joins these into one mount option string: a comma would smuggle in another option.
    if (!/^[A-Za-z0-9.:_[\]-]+$/.test(server) || !path.startsWith('/') || path.includes(',') || options.some((o) => o.includes(','))) {
      throw new Error(`PersistentVolume ${volumeName}: invalid nfs source "${server}:${path}"`);
    }
    return { kind: 'nfs', nfs: { server, path, readOnly: readOnly || nfs.readOnly === true, options } };
  }
  const kind = PV_SOURCES.find((s) => pv.spec?.[s] !== undefined) ?? 'unknown';
  throw new Error(`PersistentVolume ${volumeName}: ${kind} volumes cannot be mounted by Skiff yet (hostPath and local volumes can)`);
}
