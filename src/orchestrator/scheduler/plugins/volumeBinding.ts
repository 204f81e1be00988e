import { isNotFound } from '../../api/errors.js';
import { objectKey } from '../../api/resources.js';
import {
  NO_PROVISIONER,
  SELECTED_NODE_ANNOTATION,
  claimClass,
  findBestMatch,
  podClaims,
  selectedNode,
  volumeFitsNode,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../api/storage.js';
import type { Node } from '../../api/types.js';
import { FITS, SKIP, type Plugin } from '../framework.js';
import { claimKey, claimsBound } from './claimBinding.js';

const KEY = 'VolumeBinding';
/** The kinds the plugin reads; the scheduler syncs them first and retries waiting pods when they change. */
export const VOLUME_RESOURCES = ['persistentvolumeclaims', 'persistentvolumes', 'storageclasses'];

interface DelayedClaim {
  pvc: PersistentVolumeClaim;
  sc: StorageClass;
  /** The node an earlier cycle's PreBind named on the claim, while that node is still there. */
  selected?: string;
}

interface VolumeState {
  /** A reason that rules out every node (a missing or unbound immediate claim). */
  all?: string;
  bound: PersistentVolume[];
  delayed: DelayedClaim[];
  volumes: PersistentVolume[];
}

type TopologyTerm = { matchLabelExpressions?: { key?: string; values?: string[] }[] };

/** A class's `allowedTopologies`: ORed terms of ANDed label requirements; none means anywhere. */
function topologyAllows(sc: StorageClass, node: Node): boolean {
  const terms = (sc.allowedTopologies ?? []) as TopologyTerm[];
  if (terms.length === 0) return true;
  const labels = node.metadata.labels ?? {};
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => e.key !== undefined && (e.values ?? []).includes(labels[e.key] ?? '\u0000')));
}

/**
 * kube-scheduler's VolumeBinding: a pod's claims decide where it may run. A claim bound to a volume
 * with node affinity keeps the pod on those nodes (`node(s) had volume node affinity conflict`); an
 * unbound claim of a WaitForFirstConsumer class lets the scheduler choose: for a class without a
 * provisioner only nodes where a free static volume fits, for a provisioning class the nodes its
 * `allowedTopologies` allow. PreBind writes `volume.kubernetes.io/selected-node` on such claims;
 * the pod is bound only once the PV controller or the provisioner has bound each of them to a
 * volume there: until then PreBind fails, the pod goes back to the queue with backoff, and Filter
 * admits only the node its claims name (while that node exists). A missing claim or an unbound claim of an Immediate class rules out every node.
 */
export const volumeBinding: Plugin = {
  name: 'VolumeBinding',
  preFilter(state, pod, nodes) {
    const names = podClaims(pod);
    const cluster = state.cluster;
    if (names.length === 0 || !cluster) return SKIP;
    const pvcs = cluster.informers.get<PersistentVolumeClaim>('persistentvolumeclaims');
    const pvs = cluster.informers.get<PersistentVolume>('persistentvolumes');
    const scs = cluster.informers.get<StorageClass>('storageclasses');
    const s: VolumeState = { bound: [], delayed: [], volumes: [] };
    for (const name of names) {
      const pvc = pvcs.get(objectKey(pod.metadata.namespace ?? 'default', name));
      if (!pvc) s.all ??= `persistentvolumeclaim "${name}" not found`;
      else if (pvc.metadata.deletionTimestamp) s.all ??= `persistentvolumeclaim "${name}" is being deleted`;
      else if (pvc.spec.volumeName) {
        const pv = pvs.get(pvc.spec.volumeName);
        if (pv) s.bound.push(pv);
        else s.all ??= 'pvc(s) bound to non-existent pv(s)';
      } else {
        const sc = scs.get(claimClass(pvc));
        const selected = selectedNode(pvc);
        if (sc?.volumeBindingMode === 'WaitForFirstConsumer') s.delayed.push({ pvc, sc, ...(selected && nodes.some((n) => n.name === selected) ? { selected } : {}) });
        else s.all ??= 'pod has unbound immediate PersistentVolumeClaims';
      }
    }
    if (s.delayed.some((d) => d.sc.provisioner === NO_PROVISIONER)) s.volumes = pvs.list();
    state.write(KEY, s);
  },
  filter(state, _pod, node) {
    const s = state.read<VolumeState>(KEY);
    if (!s) return FITS;
    if (s.all) return [s.all];
    if (s.bound.some((pv) => !volumeFitsNode(pv, node.node))) return ['node(s) had volume node affinity conflict'];
    for (const { pvc, sc, selected } of s.delayed) {
      // Being provisioned or bound there: the pod waits for that node (a change would race the provisioner).
      if (selected !== undefined && selected !== node.name) return ["node(s) didn't find available persistent volumes to bind"];
      if (selected !== undefined) continue;
      if (sc.provisioner === NO_PROVISIONER) {
        if (!findBestMatch(s.volumes, pvc, node.node)) return ["node(s) didn't find available persistent volumes to bind"];
      } else if (!topologyAllows(sc, node.node)) {
        return ["node(s) didn't find available persistent volumes to bind"];
      }
    }
    return FITS;
  },
  async preBind(state, _pod, nodeName) {
    const s = state.read<VolumeState>(KEY);
    const cluster = state.cluster;
    if (!s || !cluster || s.delayed.length === 0) return;
    const { client, informers } = cluster;
    for (const { pvc } of s.delayed) {
      if (pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION] === nodeName) continue;
      try {
        await client.patch('persistentvolumeclaims', pvc.metadata.namespace, pvc.metadata.name ?? '', 'merge', { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } } });
      } catch (e) {
        // Deleted meanwhile: the kubelet reports the missing claim.
        if (!isNotFound(e)) throw e;
      }
    }
    // The pod is bound only once its claims are (upstream's binder waits in PreBind; here the pod
    // goes back to the queue with backoff and Filter keeps it on the node its claims name), so it
    // never lands on a node where its volume was not, or could not be, provisioned.
    const r = claimsBound(informers.get<PersistentVolumeClaim>('persistentvolumeclaims'), informers.get<PersistentVolume>('persistentvolumes'), s.delayed.map((d) => claimKey(d.pvc)));
    if (r === true) return;
    if (r === false) throw new WaitingForVolumes(`waiting for claim(s) ${s.delayed.map((d) => claimKey(d.pvc)).join(', ')} to be bound on node "${nodeName}"`);
    throw new Error(r);
  },
};

/**
 * PreBind's answer while a pod's delayed claims are still being provisioned or bound: not a
 * failure. The scheduler tries the pod again as soon as a claim or volume changes.
 */
export class WaitingForVolumes extends Error {}
