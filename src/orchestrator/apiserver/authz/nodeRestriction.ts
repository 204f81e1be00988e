import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RequestContext } from '../requestContext.js';
import { NODE_LEASE_NAMESPACE, nodeIdentity } from './node.js';
import { MIRROR_POD_ANNOTATION, podRefs } from './podRefs.js';

/**
 * Kubernetes' NodeRestriction admission plugin (plugin/pkg/admission/noderestriction): what the
 * Node authorizer allows every node to write (nodes, pod status, pod deletion, leases), each node
 * may do only to its own objects. Called by the kinds' strategies with the request's identity;
 * requests not made with a node's credential pass untouched.
 */
function refuse(resource: string, group: string, name: string, why: string): ApiError {
  const q = group ? `${resource}.${group}` : resource;
  return new ApiError(403, 'Forbidden', `${q} ${JSON.stringify(name)} is forbidden: ${why}`, { name, group, kind: resource });
}

const nodeNameOf = (pod: KubeObject) => (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';

/** Pod create (mirror pods only), status update and delete: only pods bound to this node. */
export function admitPod(user: RequestContext, op: 'create' | 'update' | 'delete', pod: KubeObject, current?: KubeObject): void {
  const { isNode, nodeName } = nodeIdentity(user);
  if (!isNode) return;
  const name = pod.metadata.name ?? '';
  const bound = nodeNameOf(current ?? pod);
  if (op === 'create') {
    if (!pod.metadata.annotations?.[MIRROR_POD_ANNOTATION]) throw refuse('pods', '', name, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${nodeName}" can only create mirror pods`);
    if (bound !== nodeName) throw refuse('pods', '', name, `node "${nodeName}" can only create pods with spec.nodeName set to itself`);
    const refs = podRefs({ ...pod, metadata: { ...pod.metadata, annotations: {} } });
    // The default service account the defaults give every pod grants nothing here: the graph ignores mirror pods' references.
    if (refs.secrets.length || refs.configmaps.length || refs.pvcs.length || refs.resourceclaims.length) {
      throw refuse('pods', '', name, `node "${nodeName}" can not create pods that reference secrets, configmaps, persistentvolumeclaims or resource claims`);
    }
    return;
  }
  if (bound !== nodeName) {
    throw refuse('pods', '', name, op === 'delete' ? `node "${nodeName}" can only delete pods with spec.nodeName set to itself` : `node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
  }
}

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);

const domainOf = (label: string) => (label.includes('/') ? label.slice(0, label.indexOf('/')) : '');
const inDomain = (d: string, root: string) => d === root || d.endsWith(`.${root}`);

/** Labels a kubelet may set on its Node: non-Kubernetes labels, the well-known ones, and kubelet./node.kubernetes.io ones. */
export function nodeMayChangeLabel(label: string): boolean {
  const d = domainOf(label);
  if (inDomain(d, 'node-restriction.kubernetes.io')) return false;
  if (!inDomain(d, 'kubernetes.io') && !inDomain(d, 'k8s.io')) return true;
  return KUBELET_LABELS.has(label) || inDomain(d, 'kubelet.kubernetes.io') || inDomain(d, 'node.kubernetes.io');
}

function changedLabels(next: Record<string, string> | undefined, old: Record<string, string> | undefined): string[] {
  const n = next ?? {};
  const o = old ?? {};
  const keys = new Set([...Object.keys(n), ...Object.keys(o)]);
  return [...keys].filter((k) => n[k] !== o[k]).sort();
}

/** Node create and update: only its own Node, only labels a kubelet may set, and never its taints after creation. */
export function admitNode(user: RequestContext, node: KubeObject, current?: KubeObject): void {
  const { isNode, nodeName } = nodeIdentity(user);
  if (!isNode) return;
  const name = (current ?? node).metadata.name ?? '';
  if (name !== nodeName) throw refuse('nodes', '', name, `node "${nodeName}" is not allowed to modify node "${name}"`);
  const forbidden = changedLabels(node.metadata.labels, current?.metadata.labels).filter((l) => !nodeMayChangeLabel(l));
  if (forbidden.length) {
    throw refuse('nodes', '', name, `node "${nodeName}" is not allowed to ${current ? 'modify' : 'set'} the following labels: ${forbidden.join(', ')}`);
  }
  if (current) {
    const taints = (o: KubeObject) => JSON.stringify((o.spec as { taints?: unknown } | undefined)?.taints ?? []);
    if (taints(node) !== taints(current)) throw refuse('nodes', '', name, `node "${nodeName}" is not allowed to modify taints`);
  }
}

/** Lease create and update: only the node's own lease in kube-node-lease. */
export function admitLease(user: RequestContext, lease: KubeObject): void {
  const { isNode, nodeName } = nodeIdentity(user);
  if (!isNode) return;
  const name = lease.metadata.name ?? '';
  if (lease.metadata.namespace !== NODE_LEASE_NAMESPACE) throw refuse('leases', 'coordination.k8s.io', name, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  if (name !== nodeName) throw refuse('leases', 'coordination.k8s.io', name, 'can only access node lease with the same name as the requesting node');
}

/**
 * A node's TokenRequest must be bound to a pod running on it that uses the service account (kube's
 * admitServiceAccount); `podNode`/`podServiceAccount` read the Node authorizer's graph.
 */
export function admitTokenRequest(
  user: RequestContext,
  namespace: string,
  serviceAccount: string,
  body: unknown,
  graph: { podNode(ns: string, name: string): string | undefined; podServiceAccount(ns: string, name: string): string | undefined },
): void {
  const { isNode, nodeName } = nodeIdentity(user);
  if (!isNode) return;
  const ref = (body as { spec?: { boundObjectRef?: { kind?: unknown; name?: unknown } } } | undefined)?.spec?.boundObjectRef;
  const refuseToken = (why: string) => refuse('serviceaccounts', '', serviceAccount, why);
  if (!ref || ref.kind !== 'Pod' || typeof ref.name !== 'string') throw refuseToken('node requested token not bound to a pod');
  const node = graph.podNode(namespace, ref.name);
  if (node !== nodeName) throw refuseToken('node requested token bound to a pod scheduled on a different node');
  if (graph.podServiceAccount(namespace, ref.name) !== serviceAccount) throw refuseToken('node requested token bound to a pod that does not use this service account');
}
