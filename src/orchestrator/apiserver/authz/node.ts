import { ADDRESS_GROUP_SPAN_FIELD } from '../../api/addressGroup.js';
import { CLUSTER_NETWORK_CONFIGMAP } from '../../api/clusterNetwork.js';
import type { RequestContext } from '../requestContext.js';
import type { NodeGraph, VertexType } from './nodeGraph.js';
import { rulesAllow } from './rules.js';
import type { Attributes, Authorizer, AuthorizerResult, PolicyRule } from './types.js';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node a credential belongs to (kube's default NodeIdentifier): `system:node:<name>` in `system:nodes`. */
export function nodeIdentity(user: RequestContext): { isNode: boolean; nodeName: string } {
  if (!user.user.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.user.slice(NODE_USER_PREFIX.length) };
}

const READ = ['get', 'list', 'watch'];
const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });

/**
 * The static rules of every node (bootstrappolicy.NodeRules, Kubernetes 1.32), for what the graph
 * does not subdivide; plus what Skiff's agent needs as its node's service proxy (kube-proxy's
 * `system:node-proxier`: endpoints and endpoint slices, list and watch).
 */
export const KUBE_NODE_RULES: readonly PolicyRule[] = [
  r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  r(READ, [''], ['services']),
  r(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  r(['update', 'patch'], [''], ['nodes/status']),
  r(['update', 'patch'], [''], ['nodes']),
  r(['create', 'update', 'patch'], [''], ['events']),
  r(READ, [''], ['pods']),
  r(['create', 'delete'], [''], ['pods']),
  r(['update', 'patch'], [''], ['pods/status']),
  r(['create'], [''], ['pods/eviction']),
  r(READ, [''], ['secrets', 'configmaps']),
  r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  r(['get'], [''], ['endpoints']),
  r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  r(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  r(['get'], ['storage.k8s.io'], ['volumeattachments']),
  r(['create'], [''], ['serviceaccounts/token']),
  r(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  r(READ, ['storage.k8s.io'], ['csidrivers']),
  r(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  r(READ, ['node.k8s.io'], ['runtimeclasses']),
];

/**
 * Skiff's node rules: Kubernetes' plus what the agent needs as its node's service proxy, as its
 * node's NetworkPolicy enforcer (NetworkPolicies, list and watch; the AddressGroups the control
 * plane resolves their peers into come only with `span=<node>`, in NodeAuthorizer: as an Antrea
 * agent receives its AddressGroups, so a node never lists other nodes' pods nor namespaces); and as the built-in ingress controller
 * (Ingresses and IngressClasses, read only: the control plane writes their status; TLS Secrets
 * come through the graph).
 */
export const NODE_RULES: readonly PolicyRule[] = [
  ...KUBE_NODE_RULES,
  r(['list', 'watch'], [''], ['endpoints']),
  r(READ, ['discovery.k8s.io'], ['endpointslices']),
  r(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
  r(READ, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
];

const NO = (reason = ''): AuthorizerResult => ({ decision: 'noOpinion', reason });
const YES: AuthorizerResult = { decision: 'allow', reason: '' };

/**
 * A read of `kube-system/skiff-network`, the cluster's network settings every agent follows as its
 * node's flannel and kube-proxy (as kube-proxy reads its own ConfigMap): by name, or a list/watch
 * narrowed to that name by a field selector.
 */
function clusterNetworkConfigMap(a: Attributes): boolean {
  if (!READ.includes(a.verb) || a.subresource || a.namespace !== CLUSTER_NETWORK_CONFIGMAP.namespace) return false;
  return a.name === CLUSTER_NETWORK_CONFIGMAP.name || (a.verb !== 'get' && selectsNode(a.fieldSelector, 'metadata.name', CLUSTER_NETWORK_CONFIGMAP.name));
}

/** `spec.nodeName=n` (or `==`) among the requirements of a field selector. */
function selectsNode(fieldSelector: string | undefined, field: string, node: string): boolean {
  for (const req of (fieldSelector ?? '').split(',')) {
    const m = /^\s*([^=!\s]+)\s*==?\s*(.*?)\s*$/.exec(req);
    if (m && m[1] === field && m[2] === node) return true;
  }
  return false;
}

/**
 * Kubernetes' Node authorizer (plugin/pkg/auth/authorizer/node): requests from a node's credential
 * reach secrets, config maps, claims, volumes, service-account tokens and resource claims only
 * through a pod bound to that node (the graph); its own Lease only; pods only its own (get by
 * name, list/watch with `spec.nodeName=<node>`, as with AuthorizeNodeWithSelectors); for the rest,
 * the static node rules. Node, pod and lease writes are narrowed further by NodeRestriction
 * (nodeRestriction.ts). Never denies: anything else is "no opinion" and falls to RBAC.
 * Nodes may read every Node (no selector narrowing there): an agent routes pod traffic to all of them.
 */
export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(a: Attributes): AuthorizerResult {
    const { isNode, nodeName } = nodeIdentity(a.user);
    if (!isNode) return NO();
    if (!nodeName) return NO(`unknown node for user ${JSON.stringify(a.user.user)}`);
    if (a.resourceRequest) {
      const gr = `${a.apiGroup ?? ''}/${a.resource ?? ''}`;
      switch (gr) {
        case '/secrets':
          return this.readNamespaced(nodeName, 'secret', a);
        case '/configmaps':
          if (clusterNetworkConfigMap(a)) return YES;
          return this.readNamespaced(nodeName, 'configmap', a);
        case '/persistentvolumeclaims':
          if (a.subresource === 'status') return this.statusUpdate(nodeName, 'pvc', a);
          return this.get(nodeName, 'pvc', a);
        case '/persistentvolumes':
          return this.get(nodeName, 'pv', a);
        case 'resource.k8s.io/resourceclaims':
          return this.get(nodeName, 'resourceclaim', a);
        case 'storage.k8s.io/volumeattachments':
          return NO(`no relationship found between node '${nodeName}' and this object`);
        case '/serviceaccounts':
          return this.createToken(nodeName, a);
        case 'coordination.k8s.io/leases':
          return this.lease(nodeName, a);
        case 'storage.k8s.io/csinodes':
          return this.csiNode(nodeName, a);
        case '/pods':
          return this.pod(nodeName, a);
        case 'networking.skiff.dev/addressgroups':
          // Only the groups the node's pods need (their span), as an Antrea agent receives them.
          if ((a.verb === 'list' || a.verb === 'watch') && !a.subresource && selectsNode(a.fieldSelector, ADDRESS_GROUP_SPAN_FIELD, nodeName)) return YES;
          return NO(`can only list/watch addressgroups with ${ADDRESS_GROUP_SPAN_FIELD}=${nodeName} field selector`);
      }
    }
    return rulesAllow(a, NODE_RULES) ? YES : NO();
  }

  private related(node: string, type: VertexType, a: Attributes): AuthorizerResult {
    if (!a.name) return NO('No Object name found');
    return this.graph.hasPathFrom(node, type, a.namespace ?? '', a.name) ? YES : NO(`no relationship found between node '${node}' and this object`);
  }

  private get(node: string, type: VertexType, a: Attributes): AuthorizerResult {
    if (a.verb !== 'get') return NO('can only get individual resources of this type');
    if (a.subresource) return NO('cannot get subresource');
    return this.related(node, type, a);
  }

  private statusUpdate(node: string, type: VertexType, a: Attributes): AuthorizerResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return NO('can only get/update/patch this type');
    return this.related(node, type, a);
  }

  private readNamespaced(node: string, type: VertexType, a: Attributes): AuthorizerResult {
    if (!READ.includes(a.verb)) return NO('can only read resources of this type');
    if (a.subresource) return NO('cannot read subresource');
    if (!a.namespace) return NO('can only read namespaced object of this type');
    return this.related(node, type, a);
  }

  private createToken(node: string, a: Attributes): AuthorizerResult {
    if (a.verb !== 'create' || !a.name) return NO('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return NO('can only create token subresource of serviceaccount');
    return this.related(node, 'serviceaccount', a);
  }

  private lease(node: string, a: Attributes): AuthorizerResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return NO('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return NO(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    // The name of a lease being created is checked by NodeRestriction, which sees the object.
    if (a.verb !== 'create' && a.name !== node) return NO('can only access node lease with the same name as the requesting node');
    return YES;
  }

  private csiNode(node: string, a: Attributes): AuthorizerResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return NO('can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return NO('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== node) return NO('can only access CSINode with the same name as the requesting node');
    return YES;
  }

  private pod(node: string, a: Attributes): AuthorizerResult {
    switch (a.subresource ?? '') {
      case '':
        if (a.verb === 'get') return this.get(node, 'pod', a);
        if (a.verb === 'list' || a.verb === 'watch') {
          if (selectsNode(a.fieldSelector, 'spec.nodeName', node)) return YES;
          if (a.name) return this.related(node, 'pod', a);
          return NO('can only list/watch pods with spec.nodeName field selector');
        }
        // Mirror pods, and finishing a graceful delete: NodeRestriction keeps both to this node's pods.
        if (a.verb === 'create' || a.verb === 'delete') return YES;
        break;
      case 'status':
        if (a.verb === 'update' || a.verb === 'patch') return YES;
        break;
      case 'eviction':
        if (a.verb === 'create') return YES;
        break;
    }
    return NO();
  }
}
