import { describe, expect, it } from 'vitest';
import { NodeAuthorizer } from './node.js';
import { NodeGraph } from './nodeGraph.js';
import type { Attributes, Decision } from './types.js';

/**
 * Ported from Kubernetes' plugin/pkg/auth/authorizer/node/node_authorizer_test.go (TestNodeAuthorizer
 * and TestNodeAuthorizerSharedResources) on the same sample data: 2 nodes, 2 namespaces, 2 pods per
 * node, each pod with a unique config map, a unique and a shared secret, a claim bound to a PV whose
 * flexVolume names a secret, a resource claim, a claim template and a template with a generated
 * claim. Where upstream runs a case with AuthorizeNodeWithSelectors off and on, Skiff follows "on"
 * for pods and "off" for nodes (every node reads every Node: agents route pod traffic to all).
 * VolumeAttachments, ResourceSlices and CSINodes' graph cases are left out: Skiff serves none of them.
 */
type Obj = Record<string, unknown>;

function generate(graph: NodeGraph): void {
  for (let n = 0; n < 2; n++) {
    const node = `node${n}`;
    for (let p = 0; p < 2; p++) {
      const name = `pod${p}-${node}`;
      const ns = `ns${p % 2}`;
      const pvName = `pv0-${name}-${ns}`;
      const pod: Obj = {
        metadata: { name, namespace: ns },
        spec: {
          nodeName: node,
          serviceAccountName: `svcacct${p}-${node}`,
          volumes: [
            { name: 's', secret: { secretName: `secret0-${name}` } },
            { name: 'shared', secret: { secretName: 'secret0-shared' } },
            { name: 'cm', configMap: { name: `configmap0-${name}` } },
            { name: 'pvc', persistentVolumeClaim: { claimName: `pvc0-${name}` } },
          ],
          resourceClaims: [
            { name: 'claim0', resourceClaimName: `claim0-${name}-${ns}` },
            { name: 'claimtemplate0', resourceClaimTemplateName: `claimtemplate0-${name}-${ns}` },
            { name: 'claimtemplate-with-claim0', resourceClaimTemplateName: `claimtemplate0-${name}-${ns}` },
          ],
        },
        status: { resourceClaimStatuses: [{ name: 'claimtemplate-with-claim0', resourceClaimName: `generated-claim-${name}-${ns}-0` }] },
      };
      graph.addPod(`${ns}/${name}`, pod);
      graph.addPV(pvName, { metadata: { name: pvName }, spec: { flexVolume: { driver: 'x', secretRef: { name: `secret-${pvName}` } }, claimRef: { name: `pvc0-${name}`, namespace: ns } } });
    }
  }
}

const node0 = { user: 'system:node:node0', groups: ['system:nodes'] };
const unregistered = { user: 'system:node:nodeunregistered', groups: ['system:nodes'] };
const req = (a: Partial<Attributes>): Attributes => ({ user: node0, verb: 'get', resourceRequest: true, apiGroup: '', ...a });
const ALLOW: Decision = 'allow';
const NO: Decision = 'noOpinion';

const CASES: [string, Partial<Attributes>, Decision][] = [
  ['allowed configmap', { resource: 'configmaps', name: 'configmap0-pod0-node0', namespace: 'ns0' }, ALLOW],
  ['allowed secret via pod', { resource: 'secrets', name: 'secret0-pod0-node0', namespace: 'ns0' }, ALLOW],
  ['list allowed secret via pod', { verb: 'list', resource: 'secrets', name: 'secret0-pod0-node0', namespace: 'ns0' }, ALLOW],
  ['watch allowed secret via pod', { verb: 'watch', resource: 'secrets', name: 'secret0-pod0-node0', namespace: 'ns0' }, ALLOW],
  ['disallowed list many secrets', { verb: 'list', resource: 'secrets', namespace: 'ns0' }, NO],
  ['disallowed watch many secrets', { verb: 'watch', resource: 'secrets', namespace: 'ns0' }, NO],
  ['disallowed list secrets from all namespaces with name', { verb: 'list', resource: 'secrets', name: 'secret0-pod0-node0' }, NO],
  ['allowed shared secret via pod', { resource: 'secrets', name: 'secret0-shared', namespace: 'ns0' }, ALLOW],
  ['allowed shared secret via pvc', { resource: 'secrets', name: 'secret-pv0-pod0-node0-ns0', namespace: 'ns0' }, ALLOW],
  ['allowed pvc', { resource: 'persistentvolumeclaims', name: 'pvc0-pod0-node0', namespace: 'ns0' }, ALLOW],
  ['allowed resource claim', { resource: 'resourceclaims', apiGroup: 'resource.k8s.io', name: 'claim0-pod0-node0-ns0', namespace: 'ns0' }, ALLOW],
  ['allowed resource claim with template', { resource: 'resourceclaims', apiGroup: 'resource.k8s.io', name: 'generated-claim-pod0-node0-ns0-0', namespace: 'ns0' }, ALLOW],
  ['allowed pv', { resource: 'persistentvolumes', name: 'pv0-pod0-node0-ns0' }, ALLOW],
  ['disallowed configmap', { resource: 'configmaps', name: 'configmap0-pod0-node1', namespace: 'ns0' }, NO],
  // Skiff: every agent follows the cluster's network settings (its node's flannel and kube-proxy).
  ['get the network settings', { resource: 'configmaps', name: 'skiff-network', namespace: 'kube-system' }, ALLOW],
  ['watch the network settings by field selector', { verb: 'watch', resource: 'configmaps', namespace: 'kube-system', fieldSelector: 'metadata.name=skiff-network' }, ALLOW],
  ['list kube-system configmaps', { verb: 'list', resource: 'configmaps', namespace: 'kube-system' }, NO],
  ['a configmap of that name elsewhere', { resource: 'configmaps', name: 'skiff-network', namespace: 'default' }, NO],
  ['change the network settings', { verb: 'update', resource: 'configmaps', name: 'skiff-network', namespace: 'kube-system' }, NO],
  ['disallowed secret via pod', { resource: 'secrets', name: 'secret0-pod0-node1', namespace: 'ns0' }, NO],
  ['disallowed shared secret via pvc', { resource: 'secrets', name: 'secret-pv0-pod0-node1-ns0', namespace: 'ns0' }, NO],
  ['disallowed pvc', { resource: 'persistentvolumeclaims', name: 'pvc0-pod0-node1', namespace: 'ns0' }, NO],
  ['disallowed resource claim, other node', { resource: 'resourceclaims', apiGroup: 'resource.k8s.io', name: 'claim0-pod0-node1-ns0', namespace: 'ns0' }, NO],
  ['disallowed resource claim with template', { resource: 'resourceclaims', apiGroup: 'resource.k8s.io', name: 'pod0-node1-claimtemplate0', namespace: 'ns0' }, NO],
  ['disallowed pv', { resource: 'persistentvolumes', name: 'pv0-pod0-node1-ns0' }, NO],
  ['allowed svcacct token create', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'svcacct0-node0', namespace: 'ns0' }, ALLOW],
  ['disallowed svcacct token create - serviceaccount not attached to node', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'svcacct0-node1', namespace: 'ns0' }, NO],
  ['disallowed svcacct token create - no subresource', { verb: 'create', resource: 'serviceaccounts', name: 'svcacct0-node0', namespace: 'ns0' }, NO],
  ['disallowed svcacct token create - non create', { verb: 'update', resource: 'serviceaccounts', subresource: 'token', name: 'svcacct0-node0', namespace: 'ns0' }, NO],
  ...(['get', 'create', 'update', 'patch', 'delete'].map((verb) => [`disallowed ${verb} lease in namespace other than kube-node-lease`, { verb, resource: 'leases', apiGroup: 'coordination.k8s.io', name: 'node0', namespace: 'foo' }, NO]) as [string, Partial<Attributes>, Decision][]),
  ...(['get', 'update', 'patch', 'delete'].map((verb) => [`disallowed ${verb} another node's lease`, { verb, resource: 'leases', apiGroup: 'coordination.k8s.io', name: 'node1', namespace: 'kube-node-lease' }, NO]) as [string, Partial<Attributes>, Decision][]),
  ['disallowed list node leases', { verb: 'list', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }, NO],
  ['disallowed watch node leases', { verb: 'watch', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }, NO],
  ...(['get', 'create', 'update', 'patch', 'delete'].map((verb) => [`allowed ${verb} node lease`, { verb, resource: 'leases', apiGroup: 'coordination.k8s.io', name: 'node0', namespace: 'kube-node-lease' }, ALLOW]) as [string, Partial<Attributes>, Decision][]),
  ['disallowed CSINode with subresource', { resource: 'csinodes', subresource: 'csiDrivers', apiGroup: 'storage.k8s.io', name: 'node0' }, NO],
  ...(['get', 'update', 'patch', 'delete'].map((verb) => [`disallowed ${verb} another node's CSINode`, { verb, resource: 'csinodes', apiGroup: 'storage.k8s.io', name: 'node1' }, NO]) as [string, Partial<Attributes>, Decision][]),
  ['disallowed list CSINodes', { verb: 'list', resource: 'csinodes', apiGroup: 'storage.k8s.io' }, NO],
  ...(['get', 'create', 'update', 'patch', 'delete'].map((verb) => [`allowed ${verb} CSINode`, { verb, resource: 'csinodes', apiGroup: 'storage.k8s.io', name: 'node0' }, ALLOW]) as [string, Partial<Attributes>, Decision][]),
  // pods (selector authorization on)
  ['get related pod', { resource: 'pods', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['get unrelated pod', { resource: 'pods', name: 'pod0-node1', namespace: 'ns0' }, NO],
  ['list related pods', { verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName=node0' }, ALLOW],
  ['list related pods - alternate selector', { verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName==node0' }, ALLOW],
  ['list single related pod', { verb: 'list', resource: 'pods', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['list unrelated pods', { verb: 'list', resource: 'pods' }, NO],
  ['list another node\'s pods', { verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName=node1' }, NO],
  ['list the pods of one namespace', { verb: 'list', resource: 'pods', namespace: 'ns0' }, NO],
  ['list another node\'s pods in a namespace', { verb: 'list', resource: 'pods', namespace: 'ns0', fieldSelector: 'spec.nodeName=node1' }, NO],
  ['watch related pods', { verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName=node0' }, ALLOW],
  ['watch single related pod', { verb: 'watch', resource: 'pods', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['watch unrelated pods', { verb: 'watch', resource: 'pods' }, NO],
  ['watch another node\'s pods', { verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName=node1' }, NO],
  ['get another node\'s pod by name', { verb: 'get', resource: 'pods', name: 'pod0-node1', namespace: 'ns0' }, NO],
  ['create unnamed pod', { verb: 'create', resource: 'pods', namespace: 'ns0' }, ALLOW],
  ['create pod proxy subresource forbidden', { verb: 'create', resource: 'pods', subresource: 'proxy', namespace: 'ns0' }, NO],
  ['delete related pod', { verb: 'delete', resource: 'pods', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['delete unrelated pod (NodeRestriction guards it)', { verb: 'delete', resource: 'pods', name: 'pod0-node1', namespace: 'ns0' }, ALLOW],
  ['delete pod proxy subresource forbidden', { verb: 'delete', resource: 'pods', name: 'pod0-node0', subresource: 'proxy', namespace: 'ns0' }, NO],
  ['update related pod status', { verb: 'update', resource: 'pods', subresource: 'status', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['update unrelated pod status (NodeRestriction guards it)', { verb: 'update', resource: 'pods', subresource: 'status', name: 'pod0-node1', namespace: 'ns0' }, ALLOW],
  ['patch related pod status', { verb: 'patch', resource: 'pods', subresource: 'status', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['get pod status', { resource: 'pods', subresource: 'status', name: 'pod0-node0', namespace: 'ns0' }, NO],
  ['create related pod eviction', { verb: 'create', resource: 'pods', subresource: 'eviction', name: 'pod0-node0', namespace: 'ns0' }, ALLOW],
  ['exec into a pod', { verb: 'create', resource: 'pods', subresource: 'exec', name: 'pod0-node0', namespace: 'ns0' }, NO],
  // nodes (selector authorization off: Skiff's choice, see above)
  ['get related unregistered node', { user: unregistered, resource: 'nodes', name: 'nodeunregistered' }, ALLOW],
  ['get related node', { resource: 'nodes', name: 'node0' }, ALLOW],
  ['get unrelated node', { resource: 'nodes', name: 'node1' }, ALLOW],
  ['list all nodes', { verb: 'list', resource: 'nodes' }, ALLOW],
  ['watch all nodes', { verb: 'watch', resource: 'nodes' }, ALLOW],
  ['create node', { verb: 'create', resource: 'nodes' }, ALLOW],
  ['update unrelated node (NodeRestriction guards it)', { verb: 'update', resource: 'nodes', name: 'node1' }, ALLOW],
  ['patch related node status', { verb: 'patch', resource: 'nodes', subresource: 'status', name: 'node0' }, ALLOW],
  ['delete a node', { verb: 'delete', resource: 'nodes', name: 'node0' }, NO],
  // static rules and what the agent needs as its node's proxy
  ['list services', { verb: 'list', resource: 'services' }, ALLOW],
  ['watch endpoint slices', { verb: 'watch', resource: 'endpointslices', apiGroup: 'discovery.k8s.io' }, ALLOW],
  ['create events', { verb: 'create', resource: 'events', namespace: 'ns0' }, ALLOW],
  ['delete events', { verb: 'delete', resource: 'events', namespace: 'ns0', name: 'e' }, NO],
  ['list namespaces', { verb: 'list', resource: 'namespaces' }, NO],
  ['watch namespaces', { verb: 'watch', resource: 'namespaces' }, NO],
  ['get a namespace', { verb: 'get', resource: 'namespaces', name: 'ns0' }, NO],
  ['watch network policies', { verb: 'watch', resource: 'networkpolicies', apiGroup: 'networking.k8s.io' }, ALLOW],
  // NetworkPolicy peers, resolved by the control plane: read, never written, by a node
  // ...and only those whose span names the node (the nodes running a pod the policy applies to).
  ['list its address groups', { verb: 'list', resource: 'addressgroups', apiGroup: 'networking.skiff.dev', fieldSelector: 'span=node0' }, ALLOW],
  ['watch its address groups', { verb: 'watch', resource: 'addressgroups', apiGroup: 'networking.skiff.dev', fieldSelector: 'span==node0' }, ALLOW],
  ['list every address group', { verb: 'list', resource: 'addressgroups', apiGroup: 'networking.skiff.dev' }, NO],
  ['watch every address group', { verb: 'watch', resource: 'addressgroups', apiGroup: 'networking.skiff.dev' }, NO],
  ["list another node's address groups", { verb: 'list', resource: 'addressgroups', apiGroup: 'networking.skiff.dev', fieldSelector: 'span=node1' }, NO],
  ['list address groups by name', { verb: 'list', resource: 'addressgroups', apiGroup: 'networking.skiff.dev', fieldSelector: 'metadata.name=np' }, NO],
  ['get an address group', { verb: 'get', resource: 'addressgroups', apiGroup: 'networking.skiff.dev', namespace: 'ns0', name: 'np' }, NO],
  ...(['create', 'update', 'patch', 'delete'].map((verb) => [`${verb} an address group`, { verb, resource: 'addressgroups', apiGroup: 'networking.skiff.dev', namespace: 'ns0', name: 'np' }, NO]) as [string, Partial<Attributes>, Decision][]),
  ['address groups of another API group', { verb: 'list', resource: 'addressgroups', apiGroup: 'networking.k8s.io' }, NO],
  ['create a network policy', { verb: 'create', resource: 'networkpolicies', apiGroup: 'networking.k8s.io', namespace: 'ns0' }, NO],
  ['create a secret', { verb: 'create', resource: 'secrets', namespace: 'ns0' }, NO],
  ['non-resource path', { resourceRequest: false, verb: 'get', path: '/api' }, NO],
];

describe('Node authorizer (Kubernetes node_authorizer_test.go cases)', () => {
  const graph = new NodeGraph();
  generate(graph);
  const authz = new NodeAuthorizer(graph);

  it.each(CASES)('%s', (_name, attrs, want) => {
    expect(authz.authorize(req(attrs)).decision).toBe(want);
  });

  it('has no opinion on users that are not nodes, and names the reason for a node it cannot place', () => {
    expect(authz.authorize(req({ user: { user: 'alice', groups: ['system:nodes'] }, resource: 'nodes', verb: 'list' })).decision).toBe(NO);
    expect(authz.authorize(req({ user: { user: 'system:node:node0', groups: [] }, resource: 'nodes', verb: 'list' })).decision).toBe(NO);
    expect(authz.authorize(req({ user: { user: 'system:node:', groups: ['system:nodes'] }, resource: 'nodes', verb: 'list' })).reason).toBe('unknown node for user "system:node:"');
    expect(authz.authorize(req({ resource: 'secrets', name: 'secret0-pod0-node1', namespace: 'ns0' })).reason).toBe("no relationship found between node 'node0' and this object");
  });
});

describe('Node authorizer shared resources (TestNodeAuthorizerSharedResources)', () => {
  const graph = new NodeGraph();
  const authz = new NodeAuthorizer(graph);
  const nodeUser = (n: string) => ({ user: `system:node:${n}`, groups: ['system:nodes'] });
  const secretVol = (s: string) => ({ name: s, secret: { secretName: s } });
  graph.addPod('ns1/pod1-node1', { spec: { nodeName: 'node1', volumes: [secretVol('node1-only'), secretVol('node1-node2-only'), secretVol('shared-all')] } });
  graph.addPod('ns1/pod2-node2', { spec: { nodeName: 'node2', volumes: [secretVol('node1-node2-only'), secretVol('shared-all')] } });
  const pod3 = { spec: { nodeName: 'node3', volumes: [secretVol('shared-all')] as unknown[] } };
  graph.addPod('ns1/pod3-node3', pod3);
  const get = (node: string, secret: string) => authz.authorize({ user: nodeUser(node), verb: 'get', resourceRequest: true, apiGroup: '', resource: 'secrets', namespace: 'ns1', name: secret }).decision;

  it.each([
    ['node1', 'node1-only', ALLOW],
    ['node1', 'node1-node2-only', ALLOW],
    ['node1', 'shared-all', ALLOW],
    ['node2', 'node1-only', NO],
    ['node2', 'node1-node2-only', ALLOW],
    ['node2', 'shared-all', ALLOW],
    ['node3', 'node1-only', NO],
    ['node3', 'node1-node2-only', NO],
    ['node3', 'shared-all', ALLOW],
  ] as const)('%s get %s', (node, secret, want) => {
    expect(get(node, secret)).toBe(want);
  });

  it('a pod that stops referencing a secret takes its node\'s access with it', () => {
    expect(get('node3', 'shared-all')).toBe(ALLOW);
    graph.addPod('ns1/pod3-node3', { ...pod3, spec: { ...pod3.spec, volumes: [] } });
    expect(get('node3', 'shared-all')).toBe(NO);
    graph.deletePod('ns1/pod1-node1');
    expect(get('node1', 'node1-only')).toBe(NO);
    expect(get('node2', 'node1-node2-only')).toBe(ALLOW);
  });

  it('finds secrets and config maps named in env, envFrom, image pull secrets and projected volumes; mirror pods grant nothing', () => {
    graph.addPod('ns2/p', {
      metadata: { name: 'p' },
      spec: {
        nodeName: 'node4',
        imagePullSecrets: [{ name: 'pull' }],
        initContainers: [{ envFrom: [{ configMapRef: { name: 'init-cm' } }] }],
        containers: [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }], envFrom: [{ secretRef: { name: 'from-secret' } }] }],
        volumes: [{ name: 'proj', projected: { sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-secret' } }] } }, { name: 'eph', ephemeral: {} }],
      },
    });
    const node4 = nodeUser('node4');
    const can = (resource: string, name: string) => authz.authorize({ user: node4, verb: 'get', resourceRequest: true, apiGroup: '', resource, namespace: 'ns2', name }).decision;
    for (const s of ['pull', 'env-secret', 'from-secret', 'proj-secret']) expect(can('secrets', s)).toBe(ALLOW);
    for (const c of ['init-cm', 'proj-cm']) expect(can('configmaps', c)).toBe(ALLOW);
    expect(can('persistentvolumeclaims', 'p-eph')).toBe(ALLOW);
    graph.addPod('ns2/mirror', { metadata: { name: 'mirror', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName: 'node4', volumes: [secretVol('mirrored')] } });
    expect(can('secrets', 'mirrored')).toBe(NO);
    expect(can('pods', 'mirror')).toBe(ALLOW);
  });
});

describe('Node authorizer: TLS Secrets of the built-in ingress controller', () => {
  const graph = new NodeGraph();
  const authz = new NodeAuthorizer(graph);
  const user = { user: 'system:node:any-node', groups: ['system:nodes'] };
  const can = (verb: string, ns: string, name: string | undefined) => authz.authorize({ user, verb, resourceRequest: true, apiGroup: '', resource: 'secrets', namespace: ns, ...(name ? { name } : {}) }).decision;
  const ingress = (ns: string, name: string, secret: string, cls?: string) => ({ metadata: { name, namespace: ns }, spec: { ...(cls ? { ingressClassName: cls } : {}), tls: [{ hosts: ['a.test'], secretName: secret }] } });
  graph.addIngressClass('skiff', { metadata: { name: 'skiff', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'skiff.io/ingress' } });
  graph.addIngressClass('nginx', { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } });
  graph.addIngress('web/site', ingress('web', 'site', 'site-tls'));
  graph.addIngress('web/named', ingress('web', 'named', 'named-tls', 'skiff'));
  graph.addIngress('web/other', ingress('web', 'other', 'other-tls', 'nginx'));

  it('every node reads the TLS Secret of an Ingress of class skiff or of none (skiff is the default), by name only', () => {
    expect(can('get', 'web', 'site-tls')).toBe(ALLOW);
    expect(can('watch', 'web', 'named-tls')).toBe(ALLOW);
    expect(can('list', 'web', undefined)).toBe(NO);
    expect(can('get', 'other-ns', 'site-tls')).toBe(NO);
    expect(can('get', 'web', 'other-tls')).toBe(NO);
    expect(can('update', 'web', 'site-tls')).toBe(NO);
  });

  it('the access goes with the Ingress, and with the default class', () => {
    graph.deleteIngress('web/named');
    expect(can('get', 'web', 'named-tls')).toBe(NO);
    graph.addIngressClass('skiff', { metadata: { name: 'skiff' }, spec: { controller: 'skiff.io/ingress' } });
    expect(can('get', 'web', 'site-tls')).toBe(NO);
  });

  it('lets nodes read Ingresses and IngressClasses but not write them', () => {
    const a = (verb: string, resource: string) => authz.authorize({ user, verb, resourceRequest: true, apiGroup: 'networking.k8s.io', resource, namespace: 'web' }).decision;
    expect(a('watch', 'ingresses')).toBe(ALLOW);
    expect(a('list', 'ingressclasses')).toBe(ALLOW);
    expect(a('update', 'ingresses')).toBe(NO);
  });
});
