import { nodeSelectorTermMatches } from './nodeAffinity.js';
import { compareQuantities, isQuantity } from './quantity.js';
import { selectorMatches } from './selectors.js';
import type { KubeObject, LabelSelector, Node, Pod } from './types.js';

/** Shapes and pure rules of persistent storage, shared by the API server, the PV controller, the provisioner and the scheduler. */

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
export const BETA_STORAGE_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const LOCAL_PATH_PROVISIONER = 'skiff.io/local-path';
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
export const DEFAULT_CLASS_NAME = 'local-path';

export interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: 'Delete' | 'Retain';
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
  allowedTopologies?: unknown[];
}

export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

type Term = { matchExpressions?: { key?: unknown; operator?: unknown; values?: unknown }[]; matchFields?: { key?: unknown; operator?: unknown; values?: unknown }[] };

export interface PersistentVolume extends KubeObject {
  spec: {
    capacity?: { storage?: string };
    accessModes?: string[];
    claimRef?: ObjectRef;
    persistentVolumeReclaimPolicy?: 'Delete' | 'Retain' | 'Recycle';
    storageClassName?: string;
    volumeMode?: string;
    mountOptions?: string[];
    nodeAffinity?: { required?: { nodeSelectorTerms?: Term[] } };
    hostPath?: { path?: string; type?: string };
    local?: { path?: string };
    nfs?: { server?: string; path?: string; readOnly?: boolean };
    [source: string]: unknown;
  };
  status?: { phase?: string; reason?: string; message?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: {
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    selector?: LabelSelector;
    storageClassName?: string;
    volumeName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: { storage?: string }; conditions?: unknown[] };
}

/** The claim's class: `spec.storageClassName`, else the beta annotation; '' for none. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec.storageClassName ?? '';
}

export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pv.spec.storageClassName ?? '';
}

export function isDefaultClass(sc: StorageClass): boolean {
  return sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' || sc.metadata.annotations?.[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/**
 * The default class as the DefaultStorageClass admission picks it: among classes marked default,
 * the newest (then the first by name), as upstream since 1.26. Undefined when none is marked.
 */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  return classes
    .filter(isDefaultClass)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

/** Whether a PV with node affinity may be used on `node` (no affinity: anywhere). */
export function volumeFitsNode(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/** Node affinity that pins a volume to one node by its hostname label. */
export function nodeAffinityFor(nodeName: string): PersistentVolume['spec']['nodeAffinity'] {
  return { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } };
}

function storageOf(q: unknown): string | undefined {
  return typeof q === 'string' && isQuantity(q) ? q : undefined;
}

/** Whether `pv` could serve `pvc` (ignoring whether it is free): class, modes, size, selector, volume mode. */
export function volumeMatchesClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if (volumeClass(pv) !== claimClass(pvc)) return false;
  if ((pv.spec.volumeMode ?? 'Filesystem') !== (pvc.spec.volumeMode ?? 'Filesystem')) return false;
  const modes = pv.spec.accessModes ?? [];
  if (!(pvc.spec.accessModes ?? []).every((m) => modes.includes(m))) return false;
  const want = storageOf(pvc.spec.resources?.requests?.storage);
  const have = storageOf(pv.spec.capacity?.storage);
  if (!have || (want && compareQuantities(have, want) < 0)) return false;
  if (pvc.spec.selector && !selectorMatches(pvc.spec.selector, pv.metadata.labels)) return false;
  return true;
}

/**
 * The PV controller's findBestMatchForClaim: a volume pre-bound to this claim wins; otherwise the
 * smallest free (no claimRef), not-terminating volume that matches, optionally only those usable
 * on `node` (WaitForFirstConsumer). Ties go to the first name, so the choice is deterministic.
 */
export function findBestMatch(pvs: readonly PersistentVolume[], pvc: PersistentVolumeClaim, node?: Node): PersistentVolume | undefined {
  const fits = (pv: PersistentVolume) => volumeMatchesClaim(pv, pvc) && (!node || volumeFitsNode(pv, node));
  const prebound = pvs.find((pv) => {
    const ref = pv.spec.claimRef;
    return ref?.name === pvc.metadata.name && ref?.namespace === pvc.metadata.namespace && (!ref?.uid || ref.uid === pvc.metadata.uid) && fits(pv);
  });
  if (prebound) return prebound;
  // A claim with a selector or a class never binds to a volume that is pre-bound elsewhere or terminating.
  const free = pvs.filter((pv) => !pv.spec.claimRef && !pv.metadata.deletionTimestamp && (pv.status?.phase ?? 'Available') === 'Available' && fits(pv));
  return free.sort((a, b) => compareQuantities(a.spec.capacity?.storage ?? '0', b.spec.capacity?.storage ?? '0') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

/** Node name a WaitForFirstConsumer claim was given by the scheduler, if any. */
export function selectedNode(pvc: PersistentVolumeClaim): string | undefined {
  return pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION] || undefined;
}

/** The class every cluster starts with, as k3s ships `local-path`: a directory on the node the pod lands on. */
export function defaultLocalPathClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: DEFAULT_CLASS_NAME, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

/** Claim names a pod's volumes use (`persistentVolumeClaim` volumes; generic ephemeral volumes are not served). */
export function podClaims(pod: Pod): string[] {
  const vols = (pod.spec.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[];
  return vols.map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => !!n);
}
