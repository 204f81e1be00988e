import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node, Pod, PodPhase, Service } from '../api/types.js';
import { DEFAULT_CLUSTER_NETWORK } from '../api/clusterNetwork.js';
import { hostPortHolders, planServiceLb, reservedPorts } from './servicelb.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const svc = (name: string, type: string, ports: { port: number; protocol?: 'TCP' | 'UDP'; nodePort?: number }[], created = '2026-01-01T00:00:00Z', extra: Record<string, unknown> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', creationTimestamp: created },
  spec: { type: type as Service['spec']['type'], ports, ...extra },
});
const addr = [{ name: 'n1', ip: '10.0.0.1' }];

describe('ServiceLB planning', () => {
  it.each([
    { name: 'one LoadBalancer gets every node address', list: [svc('a', 'LoadBalancer', [{ port: 8080 }])], ingress: ['default/a'], conflicts: {} },
    {
      name: 'the older Service keeps a port; the newer is told who holds it',
      list: [svc('new', 'LoadBalancer', [{ port: 8080 }], '2026-01-02T00:00:00Z'), svc('old', 'LoadBalancer', [{ port: 8080 }], '2026-01-01T00:00:00Z')],
      ingress: ['default/old'],
      conflicts: { 'default/new': /port 8080\/TCP is already opened on every node by the LoadBalancer Service default\/old/ },
    },
    { name: 'TCP and UDP on one port do not clash', list: [svc('t', 'LoadBalancer', [{ port: 53 }]), svc('u', 'LoadBalancer', [{ port: 53, protocol: 'UDP' }], '2026-01-02T00:00:00Z')], ingress: ['default/t', 'default/u'], conflicts: {} },
    { name: 'a node port holds its port', list: [svc('np', 'NodePort', [{ port: 80, nodePort: 30080 }]), svc('lb', 'LoadBalancer', [{ port: 30080 }])], ingress: [], conflicts: { 'default/lb': /node port of Service default\/np/ } },
    { name: 'a loadBalancerClass belongs to someone else', list: [svc('x', 'LoadBalancer', [{ port: 8080 }], undefined, { loadBalancerClass: 'other.io/lb' })], ingress: [], conflicts: {} },
    { name: 'ClusterIP Services get nothing', list: [svc('c', 'ClusterIP', [{ port: 8080 }])], ingress: [], conflicts: {} },
    {
      name: 'the built-in ingress controller holds 80 and 443 (TCP) before any Service',
      list: [svc('http', 'LoadBalancer', [{ port: 80 }]), svc('https', 'LoadBalancer', [{ port: 8443 }, { port: 443 }]), svc('dns', 'LoadBalancer', [{ port: 80, protocol: 'UDP' }])],
      ingress: ['default/dns'],
      conflicts: { 'default/http': /port 80\/TCP is already opened on every node by the built-in ingress controller \(its HTTP port/, 'default/https': /port 443\/TCP .* built-in ingress controller \(its HTTPS port/ },
    },
  ])('$name', ({ list, ingress, conflicts }) => {
    const plan = planServiceLb(list, addr, reservedPorts(DEFAULT_CLUSTER_NETWORK));
    expect([...plan.ingress.keys()].sort()).toEqual(ingress);
    expect([...plan.conflicts.keys()].sort()).toEqual(Object.keys(conflicts).sort());
    for (const [k, re] of Object.entries(conflicts)) expect(plan.conflicts.get(k)).toMatch(re);
  });
});

describe('ServiceLB and pod host ports', () => {
  const nodes = [{ name: 'n1', ip: '10.0.0.1' }, { name: 'n2', ip: '10.0.0.2' }];
  const hostPod = (name: string, node: string, hostPort: number, phase: PodPhase = 'Running'): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'edge' },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort }] }] },
    status: { phase },
  });
  const lb = svc('web', 'LoadBalancer', [{ port: 8080 }, { port: 9090 }]);

  it.each([
    { name: 'a hostPort on one node leaves that node out', pods: [hostPod('hp', 'n1', 9090)], ips: ['10.0.0.2'], conflict: /hostPort holds this Service's port on node n1 \(port 9090\/TCP, hostPort of pod edge\/hp\): that node's address is left out/ },
    { name: 'hostPorts on every node: no address', pods: [hostPod('a', 'n1', 8080), hostPod('b', 'n2', 9090)], ips: undefined, conflict: /on every Ready node .*gets no address/ },
    { name: 'another port, or a finished pod, holds nothing', pods: [hostPod('other', 'n1', 7070), hostPod('done', 'n2', 8080, 'Succeeded')], ips: ['10.0.0.1', '10.0.0.2'], conflict: undefined },
  ])('$name', ({ pods, ips, conflict }) => {
    const plan = planServiceLb([lb], nodes, new Map(), hostPortHolders(pods));
    expect(plan.ingress.get('default/web')?.map((i) => i.ip)).toEqual(ips);
    if (conflict) expect(plan.conflicts.get('default/web')).toMatch(conflict);
    else expect(plan.conflicts.has('default/web')).toBe(false);
  });
});

describe('ServiceLB reserved ports', () => {
  it('follows the ingress port settings; 0 turns one off', () => {
    expect([...reservedPorts({ ...DEFAULT_CLUSTER_NETWORK, ingressHttpPort: 8081, ingressHttpsPort: 0 }).keys()]).toEqual(['8081/TCP']);
  });
});

describe('ServiceLB controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
  });
  afterEach(async () => {
    await f.dispose();
  });
  const withIp = async (name: string, ip: string) => {
    await f.addNode(name);
    await f.client.patch<Node>('nodes', undefined, name, 'merge', { status: { addresses: [{ type: 'InternalIP', address: ip }] } }, { subresource: 'status' });
  };

  it('sets the Ready nodes\' addresses as the ingress, follows nodes, and clears it when the type changes', async () => {
    await withIp('a', '192.168.1.11');
    await withIp('b', '192.168.1.12');
    await f.client.create('services', svc('web', 'LoadBalancer', [{ port: 8080 }]));
    await f.settle();
    const get = () => f.client.get<Service>('services', 'default', 'web');
    expect((await get()).status?.loadBalancer?.ingress).toEqual([
      { ip: '192.168.1.11', ipMode: 'VIP' },
      { ip: '192.168.1.12', ipMode: 'VIP' },
    ]);
    await f.client.delete('nodes', undefined, 'b');
    await f.settle();
    expect((await get()).status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.1.11', ipMode: 'VIP' }]);
    const s = await get();
    await f.client.update('services', { ...s, spec: { ...s.spec, type: 'ClusterIP', ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] } });
    await f.settle();
    expect((await get()).status?.loadBalancer?.ingress).toBeUndefined();
  });

  it("leaves out the node where a pod's hostPort holds the port, and takes it back when the pod goes", async () => {
    await withIp('a', '192.168.1.11');
    await withIp('b', '192.168.1.12');
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'edge', namespace: 'default' }, spec: { nodeName: 'b', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] } });
    await f.client.create('services', svc('web', 'LoadBalancer', [{ port: 8080 }]));
    await f.settle();
    const ingress = async () => (await f.client.get<Service>('services', 'default', 'web')).status?.loadBalancer?.ingress?.map((i) => i.ip);
    expect(await ingress()).toEqual(['192.168.1.11']);
    expect((await f.events('PortInUse')).map((e) => e.message)).toEqual([expect.stringContaining('on node b (port 8080/TCP, hostPort of pod default/edge)')]);
    await f.client.delete('pods', 'default', 'edge', { gracePeriodSeconds: 0 });
    await f.settle();
    expect(await ingress()).toEqual(['192.168.1.11', '192.168.1.12']);
  });

  it('records a PortInUse warning for a LoadBalancer whose port another holds', async () => {
    await withIp('a', '192.168.1.11');
    await f.client.create('services', svc('first', 'LoadBalancer', [{ port: 8080 }]));
    await f.settle();
    await f.client.create('services', svc('second', 'LoadBalancer', [{ port: 8080 }]));
    await f.settle();
    expect((await f.client.get<Service>('services', 'default', 'second')).status?.loadBalancer?.ingress).toBeUndefined();
    const ev = await f.events('PortInUse');
    expect(ev.map((e) => [e.involvedObject.name, e.message])).toEqual([['second', expect.stringContaining('port 8080/TCP is already opened on every node by the LoadBalancer Service default/first')]]);
    await f.client.delete('services', 'default', 'first');
    await f.settle();
    expect((await f.client.get<Service>('services', 'default', 'second')).status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.1.11', ipMode: 'VIP' }]);
  });

  it('warns again about a Service deleted while in conflict and made again', async () => {
    await withIp('a', '192.168.1.11');
    await f.client.create('services', svc('web', 'LoadBalancer', [{ port: 80 }]));
    await f.settle();
    await f.client.delete('services', 'default', 'web');
    await f.settle();
    await f.client.create('services', svc('web', 'LoadBalancer', [{ port: 80 }]));
    await f.settle();
    const ev = await f.events('PortInUse');
    expect(ev.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(2);
  });

  it('gives no address to a LoadBalancer on the ingress controller\'s port, says why once, and gives it one when the port changes', async () => {
    await withIp('a', '192.168.1.11');
    await f.client.create('services', svc('web', 'LoadBalancer', [{ port: 443 }]));
    await f.settle();
    const get = () => f.client.get<Service>('services', 'default', 'web');
    expect((await get()).status?.loadBalancer?.ingress).toBeUndefined();
    const s = await get();
    await f.client.update('services', { ...s, metadata: { ...s.metadata, labels: { touched: 'yes' } } });
    await f.settle();
    expect((await f.events('PortInUse')).map((e) => [e.involvedObject.name, e.type, e.message])).toEqual([
      ['web', 'Warning', expect.stringContaining('port 443/TCP is already opened on every node by the built-in ingress controller')],
    ]);
    const t = await get();
    await f.client.update('services', { ...t, spec: { ...t.spec, ports: [{ ...t.spec.ports?.[0], port: 8443 }] } });
    await f.settle();
    expect((await get()).status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.1.11', ipMode: 'VIP' }]);
  });
});
