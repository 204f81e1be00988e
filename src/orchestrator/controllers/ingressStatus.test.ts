import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultIngressClass, type Ingress } from '../api/ingress.js';
import type { KubeEvent, Node, Service } from '../api/types.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const ing = (name: string, spec: Ingress['spec']): Ingress => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' }, spec });
const web: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }], selector: { app: 'web' } } };

describe('ingress status controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.client.create('ingressclasses', defaultIngressClass());
    await f.client.create('ingressclasses', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } });
    await f.client.create('services', web);
    await f.addNode('a');
    await f.client.patch<Node>('nodes', undefined, 'a', 'merge', { status: { addresses: [{ type: 'InternalIP', address: '192.168.1.11' }] } }, { subresource: 'status' });
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('sets the node addresses on Ingresses of class skiff or none, not on another class', async () => {
    const rule = { http: { paths: [{ path: '/', pathType: 'Prefix' as const, backend: { service: { name: 'web', port: { name: 'http' } } } }] } };
    await f.client.create('ingresses', ing('mine', { ingressClassName: 'skiff', rules: [rule] }));
    await f.client.create('ingresses', ing('default', { rules: [rule] }));
    await f.client.create('ingresses', ing('theirs', { ingressClassName: 'nginx', rules: [rule] }));
    await f.settle();
    const status = async (n: string) => (await f.client.get<Ingress>('ingresses', 'default', n)).status?.loadBalancer?.ingress;
    expect(await status('mine')).toEqual([{ ip: '192.168.1.11' }]);
    expect(await status('default')).toEqual([{ ip: '192.168.1.11' }]);
    expect(await status('theirs') ?? []).toEqual([]);
  });

  it('records a Warning for a missing Service and an unknown port name, naming the field', async () => {
    await f.client.create('ingresses', ing('bad', { rules: [{ http: { paths: [
      { path: '/a', pathType: 'Prefix', backend: { service: { name: 'nothere', port: { number: 80 } } } },
      { path: '/b', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'grpc' } } } },
    ] } }] }));
    await f.settle();
    const events = (await f.client.list<KubeEvent>('events', { namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'bad');
    expect(events.map((e) => `${e.type} ${e.reason} ${e.message}`).sort()).toEqual([
      'Warning PortNotFound spec.rules[0].http.paths[1].backend: Service default/web has no TCP port named "grpc"',
      'Warning ServiceNotFound spec.rules[0].http.paths[0].backend: Service default/nothere does not exist',
    ]);
  });
});
