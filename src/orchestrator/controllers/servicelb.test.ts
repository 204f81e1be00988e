import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node, Service } from '../api/types.js';
import { planServiceLb } from './servicelb.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const svc = (name: string, type: string, ports: { port: number; protocol?: 'TCP' | 'UDP'; nodePort?: number }[], created = '2026-01-01T00:00:00Z', extra: Record<string, unknown> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', creationTimestamp: created },
  spec: { type: type as Service['spec']['type'], ports, ...extra },
});
const addr = [{ ip: '10.0.0.1', ipMode: 'VIP' as const }];

describe('ServiceLB planning', () => {
  it.each([
    { name: 'one LoadBalancer gets every node address', list: [svc('a', 'LoadBalancer', [{ port: 80 }])], ingress: ['default/a'], conflicts: {} },
    {
      name: 'the older Service keeps a port; the newer is told who holds it',
      list: [svc('new', 'LoadBalancer', [{ port: 80 }], '2026-01-02T00:00:00Z'), svc('old', 'LoadBalancer', [{ port: 80 }], '2026-01-01T00:00:00Z')],
      ingress: ['default/old'],
      conflicts: { 'default/new': /port 80\/TCP is already opened on every node by the LoadBalancer Service default\/old/ },
    },
    { name: 'TCP and UDP on one port do not clash', list: [svc('t', 'LoadBalancer', [{ port: 53 }]), svc('u', 'LoadBalancer', [{ port: 53, protocol: 'UDP' }], '2026-01-02T00:00:00Z')], ingress: ['default/t', 'default/u'], conflicts: {} },
    { name: 'a node port holds its port', list: [svc('np', 'NodePort', [{ port: 80, nodePort: 30080 }]), svc('lb', 'LoadBalancer', [{ port: 30080 }])], ingress: [], conflicts: { 'default/lb': /node port of Service default\/np/ } },
    { name: 'a loadBalancerClass belongs to someone else', list: [svc('x', 'LoadBalancer', [{ port: 80 }], undefined, { loadBalancerClass: 'other.io/lb' })], ingress: [], conflicts: {} },
    { name: 'ClusterIP Services get nothing', list: [svc('c', 'ClusterIP', [{ port: 80 }])], ingress: [], conflicts: {} },
  ])('$name', ({ list, ingress, conflicts }) => {
    const plan = planServiceLb(list, addr);
    expect([...plan.ingress.keys()].sort()).toEqual(ingress);
    expect([...plan.conflicts.keys()].sort()).toEqual(Object.keys(conflicts).sort());
    for (const [k, re] of Object.entries(conflicts)) expect(plan.conflicts.get(k)).toMatch(re);
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

  it('records a PortInUse warning for a LoadBalancer whose port another holds', async () => {
    await withIp('a', '192.168.1.11');
    await f.client.create('services', svc('first', 'LoadBalancer', [{ port: 80 }]));
    await f.settle();
    await f.client.create('services', svc('second', 'LoadBalancer', [{ port: 80 }]));
    await f.settle();
    expect((await f.client.get<Service>('services', 'default', 'second')).status?.loadBalancer?.ingress).toBeUndefined();
    const ev = await f.events('PortInUse');
    expect(ev.map((e) => [e.involvedObject.name, e.message])).toEqual([['second', expect.stringContaining('port 80/TCP is already opened on every node by the LoadBalancer Service default/first')]]);
    await f.client.delete('services', 'default', 'first');
    await f.settle();
    expect((await f.client.get<Service>('services', 'default', 'second')).status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.1.11', ipMode: 'VIP' }]);
  });
});
