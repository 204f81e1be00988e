import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WIREGUARD_PUBLIC_KEY_ANNOTATION } from '../../api/clusterNetwork.js';
import type { KubeObject } from '../../api/types.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import type { RequestContext } from '../requestContext.js';
import { NodeGraph } from './nodeGraph.js';
import { admitTokenRequest, nodeMayChangeLabel } from './nodeRestriction.js';

type Cluster = Awaited<ReturnType<typeof memoryCluster>>;
const n1: RequestContext = { user: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const pod = (name: string, nodeName: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, serviceAccountName: 'sa', containers: [{ name: 'c', image: 'x' }] } } as KubeObject);
const node = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, ...(labels ? { labels } : {}) }, spec: {} } as KubeObject);

// What plugin/pkg/admission/noderestriction/admission_test.go checks for pods, nodes and leases.
describe('NodeRestriction', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await memoryCluster();
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } });
    await c.client.create('pods', pod('mine', 'n1'));
    await c.client.create('pods', pod('theirs', 'n2'));
  });
  afterEach(() => c.dispose());

  it('a node changes the status of, and deletes, only pods bound to it', async () => {
    const mine = await c.registry.get<KubeObject>('pods', 'default', 'mine');
    await expect(c.registry.update('pods', 'default', 'mine', { ...mine, status: { phase: 'Running' } }, { subresource: 'status', user: n1 })).resolves.toBeDefined();
    const theirs = await c.registry.get<KubeObject>('pods', 'default', 'theirs');
    await expect(c.registry.update('pods', 'default', 'theirs', { ...theirs, status: { phase: 'Failed' } }, { subresource: 'status', user: n1 })).rejects.toMatchObject({
      code: 403,
      message: 'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    });
    await expect(c.registry.patch('pods', 'default', 'theirs', 'merge', { status: { phase: 'Failed' } }, { subresource: 'status', user: n1 })).rejects.toMatchObject({ code: 403 });
    await expect(c.registry.delete('pods', 'default', 'theirs', { user: n1, gracePeriodSeconds: 0 })).rejects.toMatchObject({ message: 'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself' });
    await expect(c.registry.delete('pods', 'default', 'mine', { user: n1 })).resolves.toBeDefined();
    await expect(c.registry.create('pods', 'default', pod('new', 'n1'), { user: n1 })).rejects.toMatchObject({ message: expect.stringContaining('node "n1" can only create mirror pods') });
    const mirror = { ...pod('m', 'n1'), metadata: { name: 'm', namespace: 'default', annotations: { 'kubernetes.io/config.mirror': 'x' } } } as KubeObject;
    const withSecret = { ...mirror, spec: { ...(mirror.spec as object), volumes: [{ name: 'v', secret: { secretName: 's' } }] } } as KubeObject;
    await expect(c.registry.create('pods', 'default', withSecret, { user: n1 })).rejects.toMatchObject({ message: expect.stringContaining('can not create pods that reference') });
    await expect(c.registry.create('pods', 'default', { ...mirror, spec: { ...(mirror.spec as object), nodeName: 'n2' } } as KubeObject, { user: n1 })).rejects.toMatchObject({ message: expect.stringContaining('can only create pods with spec.nodeName set to itself') });
    await expect(c.registry.create('pods', 'default', mirror, { user: n1 })).resolves.toBeDefined();
  });

  it('a node creates and changes only its own Node, with labels a kubelet may set, and never its taints', async () => {
    await expect(c.registry.create('nodes', undefined, node('n2'), { user: n1 })).rejects.toMatchObject({ message: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' });
    await expect(c.registry.create('nodes', undefined, node('n1', { 'node-role.kubernetes.io/control-plane': '' }), { user: n1 })).rejects.toMatchObject({
      message: 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-role.kubernetes.io/control-plane',
    });
    await c.registry.create('nodes', undefined, node('n1', { 'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'example.com/rack': '7' }), { user: n1 });
    await expect(c.registry.patch('nodes', undefined, 'n1', 'merge', { metadata: { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' } } }, { user: n1 })).resolves.toBeDefined();
    await expect(c.registry.patch('nodes', undefined, 'n1', 'merge', { metadata: { labels: { 'kubernetes.io/os': null } } }, { user: n1 })).resolves.toBeDefined();
    await expect(c.registry.patch('nodes', undefined, 'n1', 'merge', { metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } } }, { user: n1 })).rejects.toMatchObject({
      message: 'nodes "n1" is forbidden: node "n1" is not allowed to modify the following labels: node-restriction.kubernetes.io/trusted',
    });
    await expect(c.registry.patch('nodes', undefined, 'n1', 'merge', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }, { user: n1 })).rejects.toMatchObject({ message: 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints' });
    await c.client.create('nodes', node('n2'));
    await expect(c.registry.patch('nodes', undefined, 'n2', 'merge', { status: { phase: 'x' } }, { subresource: 'status', user: n1 })).rejects.toMatchObject({ code: 403 });
  });

  it('a node publishes its WireGuard public key on its own Node only', async () => {
    const key = { metadata: { annotations: { [WIREGUARD_PUBLIC_KEY_ANNOTATION]: 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=' } } };
    await c.registry.create('nodes', undefined, node('n1'), { user: n1 });
    await c.client.create('nodes', node('n2'));
    const patched = await c.registry.patch<KubeObject>('nodes', undefined, 'n1', 'merge', key, { user: n1 });
    expect(patched.metadata.annotations?.[WIREGUARD_PUBLIC_KEY_ANNOTATION]).toBe(key.metadata.annotations[WIREGUARD_PUBLIC_KEY_ANNOTATION]);
    await expect(c.registry.patch('nodes', undefined, 'n2', 'merge', key, { user: n1 })).rejects.toMatchObject({ code: 403, message: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' });
  });

  it('label rules', () => {
    for (const l of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'kubelet.kubernetes.io/x', 'sub.node.kubernetes.io/y', 'example.com/z', 'plain']) expect(nodeMayChangeLabel(l)).toBe(true);
    for (const l of ['node-role.kubernetes.io/master', 'foo.k8s.io/x', 'node-restriction.kubernetes.io/a', 'x.node-restriction.kubernetes.io/a', 'kubernetes.io/role']) expect(nodeMayChangeLabel(l)).toBe(false);
  });

  it('a node writes only its own lease in kube-node-lease', async () => {
    const lease = (name: string, ns = 'kube-node-lease') => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns }, spec: { holderIdentity: name } }) as KubeObject;
    await expect(c.registry.create('leases', 'kube-node-lease', lease('n1'), { user: n1 })).resolves.toBeDefined();
    await expect(c.registry.create('leases', 'kube-node-lease', lease('n2'), { user: n1 })).rejects.toMatchObject({ message: 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node' });
    await expect(c.registry.create('leases', 'default', lease('n1', 'default'), { user: n1 })).rejects.toMatchObject({ message: expect.stringContaining('can only access leases in the "kube-node-lease" system namespace') });
  });

  it('a node asks tokens only bound to a pod of its own that uses the service account', async () => {
    const graph = await NodeGraph.create(c.registry.objects);
    const ask = (body: unknown, sa = 'sa') => () => admitTokenRequest(n1, 'default', sa, body, graph);
    expect(ask({ spec: {} })).toThrow('serviceaccounts "sa" is forbidden: node requested token not bound to a pod');
    expect(ask({ spec: { boundObjectRef: { kind: 'Pod', name: 'theirs' } } })).toThrow(/bound to a pod scheduled on a different node/);
    expect(ask({ spec: { boundObjectRef: { kind: 'Pod', name: 'mine' } } }, 'other')).toThrow(/does not use this service account/);
    expect(ask({ spec: { boundObjectRef: { kind: 'Pod', name: 'mine' } } })).not.toThrow();
    expect(() => admitTokenRequest({ user: 'alice', groups: [] }, 'default', 'sa', {}, graph)).not.toThrow();
    graph.dispose();
  });
});
