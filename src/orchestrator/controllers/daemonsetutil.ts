import { podMatchesNode } from '../api/nodeAffinity.js';
import { tolerates, tolerationsOf, type Toleration } from '../api/taints.js';
import type { DaemonSet, Node, Pod } from '../api/types.js';
import { podFromTemplate } from './podcontrol.js';
import { REVISION_HASH_LABEL } from './history.js';

/** The tolerations every daemon pod gets (Kubernetes' AddOrUpdateDaemonPodTolerations). */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/**
 * The daemon pod for `node` (Kubernetes' NewPod + the node affinity the controller pins it with):
 * the template, the default daemon tolerations, a required node affinity naming exactly this node
 * (the scheduler binds it; resources and ports are still checked), and the revision hash label.
 */
export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const pod = podFromTemplate(ds.spec.template, ds, { generateName: `${ds.metadata.name}-` });
  pod.metadata.labels = { ...pod.metadata.labels, [REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) };
  const tolerations = tolerationsOf(pod);
  const add = [...DAEMON_TOLERATIONS, ...(pod.spec.hostNetwork ? [HOST_NETWORK_TOLERATION] : [])];
  for (const t of add) if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
  pod.spec.tolerations = tolerations;
  const affinity = { ...(pod.spec.affinity as Record<string, unknown> | undefined) };
  const nodeAffinity = { ...(affinity.nodeAffinity as Record<string, unknown> | undefined) };
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  pod.spec.affinity = { ...affinity, nodeAffinity };
  return pod;
}

/** The node a daemon pod is for: where it is bound, else the node its affinity pins it to. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key?: string; operator?: string; values?: string[] }[] }[] } } } | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const t of terms ?? []) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  return undefined;
}

/**
 * Kubernetes' NodeShouldRunDaemonPod: `shouldRun` when the node matches the template's node
 * selector and affinity and the daemon pod tolerates its NoSchedule and NoExecute taints;
 * `shouldContinue` (a pod already there may stay) unless it mismatches or a NoExecute taint is not tolerated.
 */
export function nodeShouldRun(ds: DaemonSet, node: Node): { shouldRun: boolean; shouldContinue: boolean } {
  const pod = daemonPod(ds, node.metadata.name ?? '', '');
  if (!podMatchesNode({ ...pod, spec: { ...pod.spec, affinity: ds.spec.template.spec.affinity } }, node)) return { shouldRun: false, shouldContinue: false };
  const tol = tolerationsOf(pod);
  const untolerated = (node.spec?.taints ?? []).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tol.some((x) => tolerates(x, t)));
  return { shouldRun: untolerated.length === 0, shouldContinue: !untolerated.some((t) => t.effect === 'NoExecute') };
}
