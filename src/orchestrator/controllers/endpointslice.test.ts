import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeList, Service } from '../api/types.js';
import { MANAGED_BY, type EndpointSlice } from './endpointslice.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

describe('endpointslice controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
  });
  afterEach(async () => {
    await f.dispose();
  });
  const slices = async () => (await f.client.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' })) as KubeList<EndpointSlice>;

  it('mirrors the Service\'s endpoints into a slice owned by the Service', async () => {
    const svc = await f.client.create<Service>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    for (const n of ['p1', 'p2']) {
      await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });
    }
    await f.settle();
    const [p1, p2] = await f.pods();
    await f.setPodStatus(p1!, true);
    await f.setPodStatus(p2!, false);
    await f.settle();
    const list = await slices();
    expect(list.items).toHaveLength(1);
    const s = list.items[0] as EndpointSlice;
    expect(s.metadata.labels).toMatchObject({ 'endpointslice.kubernetes.io/managed-by': MANAGED_BY });
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints.map((e) => [e.targetRef?.name, e.conditions.ready, e.nodeName])).toEqual([
      ['p1', true, 'node-a'],
      ['p2', false, 'node-a'],
    ]);

    await f.client.delete('pods', 'default', 'p1', { gracePeriodSeconds: 0 });
    await f.settle();
    expect((await slices()).items[0]?.endpoints.map((e) => e.targetRef?.name)).toEqual(['p2']);

    await f.client.delete('services', 'default', 'web');
    await f.settle();
    expect((await slices()).items).toEqual([]);
  });
});

describe('endpointslice mirroring', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('mirrors the Endpoints written for a Service without a selector, including addresses outside the cluster', async () => {
    await f.client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { ports: [{ name: 'pg', port: 5432 }] } });
    await f.client.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.50' }], ports: [{ name: 'pg', port: 5432 }] }] });
    await f.settle();
    const list = (await f.client.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=db' })).items;
    expect(list).toHaveLength(1);
    expect(list[0]?.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBe('endpointslicemirroring-controller.k8s.io');
    expect(list[0]?.endpoints.map((e) => [e.addresses, e.conditions.ready])).toEqual([[['192.0.2.50'], true]]);
    expect(list[0]?.ports).toEqual([{ name: 'pg', port: 5432, protocol: 'TCP' }]);

    await f.client.delete('endpoints', 'default', 'db');
    await f.settle();
    expect((await f.client.list('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=db' })).items).toEqual([]);
  });

  it('leaves slices written by hand alone', async () => {
    await f.client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    await f.client.create('endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'ext-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ext' } }, addressType: 'IPv4', endpoints: [{ addresses: ['198.51.100.7'] }], ports: [{ port: 80, protocol: 'TCP' }] });
    await f.settle();
    const list = (await f.client.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=ext' })).items;
    expect(list.map((s) => s.metadata.name)).toEqual(['ext-1']);
  });
});
