import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '../api/types.js';
import type { EndpointSlice } from './endpointslice.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

describe('kubernetes Service controller', () => {
  let f: ControllerFixture;
  afterEach(async () => {
    await f.dispose();
  });
  const svc = () => f.client.get<Service>('services', 'default', 'kubernetes');
  const slice = () => f.client.get<EndpointSlice>('endpointslices', 'default', 'kubernetes');

  it('serves default/kubernetes at the first service IP, with every node\'s API relay as an endpoint', async () => {
    f = await controllerFixture({ network: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.100.0.0/16', nodeMaskSize: 24, backend: 'auto' } });
    await f.addNode('a');
    await f.addNode('b');
    await f.settle();
    const s = await svc();
    expect(s.spec).toMatchObject({ clusterIP: '10.100.0.1', type: 'ClusterIP', internalTrafficPolicy: 'Local', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] });
    expect(s.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect((await slice()).endpoints.map((e) => [e.addresses[0], e.nodeName])).toEqual([
      [expect.stringMatching(/^10\.42\.[01]\.1$/), 'a'],
      [expect.stringMatching(/^10\.42\.[01]\.1$/), 'b'],
    ]);
    const ep = await f.client.get<Endpoints>('endpoints', 'default', 'kubernetes');
    expect(ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror']).toBe('true');
    expect(ep.subsets?.[0]?.ports).toEqual([{ name: 'https', port: 6443, protocol: 'TCP' }]);
    // Nothing else mirrors or manages it: one slice.
    expect((await f.list<EndpointSlice>('endpointslices', 'default')).filter((x) => x.metadata.labels?.['kubernetes.io/service-name'] === 'kubernetes')).toHaveLength(1);

    await f.client.delete('nodes', undefined, 'a');
    await f.settle();
    expect((await slice()).endpoints.map((e) => e.nodeName)).toEqual(['b']);
  });

  it('puts the Service back as it should be when someone edits or deletes it', async () => {
    f = await controllerFixture();
    await f.settle();
    const s = await svc();
    await f.client.update<Service>('services', { ...s, spec: { ...s.spec, ports: [{ name: 'x', port: 80, protocol: 'TCP' }] } });
    await f.settle();
    expect((await svc()).spec.ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    await f.client.delete('services', 'default', 'kubernetes');
    await f.settle();
    expect((await svc()).spec.clusterIP).toBe('10.96.0.1');
  });

  it('serves kube-system/kube-dns at the tenth service IP, 53 UDP and TCP to every node\'s own DNS server', async () => {
    f = await controllerFixture({ network: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.100.0.0/16', nodeMaskSize: 24, backend: 'auto' } });
    // The control plane makes kube-system at start (controlPlane.ts); until then the Service waits.
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    await f.addNode('a');
    await f.settle();
    const s = await f.client.get<Service>('services', 'kube-system', 'kube-dns');
    expect(s.spec).toMatchObject({
      clusterIP: '10.100.0.10',
      internalTrafficPolicy: 'Local',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 10053 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 10053 },
      ],
    });
    expect(s.metadata.labels?.['k8s-app']).toBe('kube-dns');
    const sl = await f.client.get<EndpointSlice>('endpointslices', 'kube-system', 'kube-dns');
    expect(sl.endpoints.map((e) => [e.addresses[0], e.nodeName])).toEqual([[expect.stringMatching(/^10\.42\.\d+\.1$/), 'a']]);
    expect(sl.ports).toEqual([
      { name: 'dns', port: 10053, protocol: 'UDP' },
      { name: 'dns-tcp', port: 10053, protocol: 'TCP' },
    ]);
  });
});
