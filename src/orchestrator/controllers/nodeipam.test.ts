import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '../api/types.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const getNode = (f: ControllerFixture, name: string) => f.client.get<Node>('nodes', undefined, name);

describe('node IPAM controller', () => {
  let f: ControllerFixture;
  afterEach(async () => {
    await f.dispose();
  });

  it('gives each node the lowest free /24 of the cluster CIDR, and reuses a deleted node\'s block', async () => {
    f = await controllerFixture({ network: { clusterCIDR: '10.50.0.0/16', serviceCIDR: '10.96.0.0/12', nodeMaskSize: 24, backend: 'auto' } });
    for (const n of ['a', 'b', 'c']) await f.addNode(n);
    await f.settle();
    const cidrs = async () => Promise.all(['a', 'b', 'c'].map(async (n) => (await getNode(f, n).catch(() => undefined))?.spec));
    const specs = await cidrs();
    expect(specs.map((s) => s?.podCIDR).sort()).toEqual(['10.50.0.0/24', '10.50.1.0/24', '10.50.2.0/24']);
    for (const s of specs) expect(s?.podCIDRs).toEqual([s?.podCIDR]);

    const freed = (await getNode(f, 'b')).spec?.podCIDR;
    await f.client.delete('nodes', undefined, 'b');
    await f.addNode('d');
    await f.settle();
    expect((await getNode(f, 'd')).spec?.podCIDR).toBe(freed);
  });

  it('says so when the range is full, and assigns once a block is free', async () => {
    f = await controllerFixture({ network: { clusterCIDR: '10.60.0.0/23', serviceCIDR: '10.96.0.0/12', nodeMaskSize: 24, backend: 'auto' } });
    for (const n of ['a', 'b', 'c']) await f.addNode(n);
    await f.settle();
    const missing = (await f.list<Node>('nodes')).filter((n) => !n.spec?.podCIDR).map((n) => n.metadata.name);
    expect(missing).toHaveLength(1);
    const events = await f.events('CIDRNotAvailable');
    expect(events[0]?.message).toContain('no /24 is free in the cluster CIDR 10.60.0.0/23, which holds 2');
    expect(events[0]?.involvedObject.name).toBe(missing[0]);

    const other = (await f.list<Node>('nodes')).find((n) => n.spec?.podCIDR)?.metadata.name as string;
    await f.client.delete('nodes', undefined, other);
    await f.settle();
    expect((await getNode(f, missing[0] as string)).spec?.podCIDR).toMatch(/^10\.60\.[01]\.0\/24$/);
  });

  it('never changes a pod CIDR, and reports one outside the cluster range', async () => {
    f = await controllerFixture({ network: { clusterCIDR: '10.70.0.0/16', serviceCIDR: '10.96.0.0/12', nodeMaskSize: 24, backend: 'auto' } });
    await f.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'old' }, spec: { podCIDR: '10.42.7.0/24', podCIDRs: ['10.42.7.0/24'] } });
    await f.settle();
    expect((await getNode(f, 'old')).spec?.podCIDR).toBe('10.42.7.0/24');
    expect((await f.events('CIDROutsideClusterRange'))[0]?.message).toContain('outside the cluster CIDR 10.70.0.0/16');
    // The API refuses a change, as Kubernetes does.
    await expect(f.client.patch('nodes', undefined, 'old', 'merge', { spec: { podCIDR: '10.70.0.0/24', podCIDRs: ['10.70.0.0/24'] } })).rejects.toThrow(/may not change podCIDR/);
    await expect(f.client.patch('nodes', undefined, 'old', 'merge', { spec: { podCIDR: null } })).rejects.toThrow(/may not change podCIDR/);
  });

  it('refuses a pod CIDR that is not a block', async () => {
    f = await controllerFixture({ disabled: ['nodeipam'] });
    await expect(f.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'x' }, spec: { podCIDR: '10.1.2.3/24' } })).rejects.toThrow(/spec.podCIDR.*host bits set/);
  });
});
