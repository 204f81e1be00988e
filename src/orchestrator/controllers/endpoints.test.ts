import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNotFound } from '../api/errors.js';
import type { Endpoints, Pod, Service } from '../api/types.js';
import { computeSubsets } from './endpoints.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

function pod(name: string, o: { ip?: string; ready?: boolean; labels?: Record<string, string>; ports?: { name: string; containerPort: number }[]; deleting?: boolean; phase?: 'Running' | 'Succeeded' } = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x:1', ports: o.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
  if (o.ip !== undefined) p.status!.podIP = o.ip;
  if (o.deleting) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  return p;
}
function svc(ports: Service['spec']['ports'], selector: Record<string, string> | null = { app: 'web' }): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ...(selector ? { selector } : {}), ports } };
}
const addr = (ip: string, name: string) => ({ ip, nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` } });

describe('computeSubsets', () => {
  it.each([
    {
      name: 'ready and not-ready pods, named targetPort',
      svc: svc([{ name: 'http', port: 80, targetPort: 'http' }]),
      pods: [pod('a', { ip: '10.0.0.2' }), pod('b', { ip: '10.0.0.10', ready: false }), pod('c', { ip: '10.0.0.3' })],
      want: [{ addresses: [addr('10.0.0.2', 'a'), addr('10.0.0.3', 'c')], notReadyAddresses: [addr('10.0.0.10', 'b')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    },
    {
      name: 'skips pods without an IP, not selected, terminating or finished',
      svc: svc([{ port: 80, targetPort: 9000 }]),
      pods: [pod('a', { ip: '10.0.0.2' }), pod('noip'), pod('other', { ip: '10.0.0.4', labels: { app: 'db' } }), pod('bye', { ip: '10.0.0.5', deleting: true }), pod('done', { ip: '10.0.0.6', phase: 'Succeeded' })],
      want: [{ addresses: [addr('10.0.0.2', 'a')], ports: [{ port: 9000, protocol: 'TCP' }] }],
    },
    {
      name: 'targetPort defaults to port; pods resolving different ports form separate subsets',
      svc: svc([{ name: 'web', port: 80, targetPort: 'web' }, { name: 'admin', port: 81 }]),
      pods: [pod('a', { ip: '10.0.0.2', ports: [{ name: 'web', containerPort: 8080 }] }), pod('b', { ip: '10.0.0.3', ports: [{ name: 'web', containerPort: 9090 }] }), pod('c', { ip: '10.0.0.4', ports: [] })],
      want: [
        { addresses: [addr('10.0.0.2', 'a')], ports: [{ name: 'web', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 81, protocol: 'TCP' }] },
        { addresses: [addr('10.0.0.4', 'c')], ports: [{ name: 'admin', port: 81, protocol: 'TCP' }] },
        { addresses: [addr('10.0.0.3', 'b')], ports: [{ name: 'web', port: 9090, protocol: 'TCP' }, { name: 'admin', port: 81, protocol: 'TCP' }] },
      ],
    },
    {
      name: 'a pod whose subdomain names the Service carries its hostname (its DNS name); publishNotReadyAddresses makes every address ready',
      svc: { ...svc([{ port: 80, targetPort: 8080 }]), spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], publishNotReadyAddresses: true } },
      pods: [
        { ...pod('web-0', { ip: '10.0.0.2', ready: false }), spec: { ...pod('web-0').spec, hostname: 'web-0', subdomain: 'web' } },
        { ...pod('other', { ip: '10.0.0.3' }), spec: { ...pod('other').spec, hostname: 'other', subdomain: 'elsewhere' } },
      ],
      want: [{ addresses: [{ ...addr('10.0.0.2', 'web-0'), hostname: 'web-0' }, addr('10.0.0.3', 'other')], ports: [{ port: 8080, protocol: 'TCP' }] }],
    },
    { name: 'no pods, no subsets', svc: svc([{ port: 80 }]), pods: [], want: [] },
  ])('$name', ({ svc: s, pods, want }) => {
    expect(computeSubsets(s, pods)).toEqual(want);
  });
});

describe('endpoints controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
  });
  afterEach(async () => {
    await f.dispose();
  });
  const ep = () => f.client.get<Endpoints>('endpoints', 'default', 'web');

  it('follows pods of the selector as they become ready, change and go', async () => {
    await f.client.create('services', { ...svc([{ name: 'http', port: 80, targetPort: 'http' }]), metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } } });
    for (const n of ['p1', 'p2']) {
      await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    }
    await f.settle();
    expect((await ep()).subsets).toEqual([]);
    expect((await ep()).metadata.labels).toEqual({ tier: 'front' });
    const [p1, p2] = await f.pods();
    await f.setPodStatus(p1!, true);
    await f.setPodStatus(p2!, false);
    await f.settle();
    const [subset] = (await ep()).subsets ?? [];
    expect(subset?.addresses?.map((a) => [a.targetRef?.name, a.nodeName])).toEqual([['p1', 'node-a']]);
    expect(subset?.notReadyAddresses?.map((a) => a.targetRef?.name)).toEqual(['p2']);
    expect(subset?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);

    await f.client.delete('pods', 'default', 'p1', { gracePeriodSeconds: 0 });
    await f.settle();
    expect((await ep()).subsets?.[0]?.addresses).toBeUndefined();

    // Someone edits the Endpoints by hand: the controller puts them back.
    const cur = await ep();
    await f.client.update('endpoints', { ...cur, subsets: [] });
    await f.settle();
    expect((await ep()).subsets?.[0]?.notReadyAddresses?.map((a) => a.targetRef?.name)).toEqual(['p2']);

    await f.client.delete('services', 'default', 'web');
    await f.settle();
    await expect(ep()).rejects.toSatisfy(isNotFound);
  });

  it('leaves the Endpoints of a Service without a selector to their author', async () => {
    await f.client.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.168.1.9' }], ports: [{ port: 5432 }] }] });
    await f.client.create('services', svc([{ port: 5432 }], null));
    await f.settle();
    expect((await ep()).subsets?.[0]?.addresses).toEqual([{ ip: '192.168.1.9' }]);
  });
});
