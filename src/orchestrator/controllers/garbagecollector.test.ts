import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, KubeObject, ReplicaSet } from '../api/types.js';
import { controllerRef } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x:1' }] } } },
};

const names = async (f: ControllerFixture, resource: string) => (await f.list(resource, 'default')).map((o) => o.metadata.name).sort();

describe('garbage collector', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
    await f.client.create('deployments', deployment);
    await f.settle();
    await f.readyAllPods();
    await f.settle();
    expect(await f.pods()).toHaveLength(2);
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('Background: the deployment goes at once, then its ReplicaSets, then their pods', async () => {
    await f.client.delete('deployments', 'default', 'web', { propagationPolicy: 'Background' });
    await f.settle();
    expect(await names(f, 'deployments')).toEqual([]);
    expect(await names(f, 'replicasets')).toEqual([]);
    // Bound pods terminate gracefully: their agent finishes the deletion.
    expect((await f.pods()).every((p) => p.metadata.deletionTimestamp)).toBe(true);
    await f.finishTerminating();
    await f.settle();
    expect(await f.pods()).toEqual([]);
  });

  it('Foreground: the deployment stays until its dependents are gone', async () => {
    await f.client.delete('deployments', 'default', 'web', { propagationPolicy: 'Foreground' });
    await f.settle();
    const d = await f.client.get<Deployment>('deployments', 'default', 'web');
    expect(d.metadata.finalizers).toEqual(['foregroundDeletion']);
    const [rs] = await f.list<ReplicaSet>('replicasets', 'default');
    expect(rs?.metadata.deletionTimestamp).toBeDefined();
    expect(rs?.metadata.finalizers).toEqual(['foregroundDeletion']);
    // No replacement pods while the ReplicaSet is being deleted.
    expect((await f.pods()).map((p) => !!p.metadata.deletionTimestamp)).toEqual([true, true]);
    await f.finishTerminating();
    await f.settle();
    expect(await f.pods()).toEqual([]);
    expect(await names(f, 'replicasets')).toEqual([]);
    expect(await names(f, 'deployments')).toEqual([]);
  });

  it('Orphan: dependents lose the owner reference and stay', async () => {
    const [rs] = await f.list<ReplicaSet>('replicasets', 'default');
    await f.client.delete('deployments', 'default', 'web', { propagationPolicy: 'Orphan' });
    await f.settle();
    expect(await names(f, 'deployments')).toEqual([]);
    const [kept] = await f.list<ReplicaSet>('replicasets', 'default');
    expect(kept?.metadata.uid).toBe(rs?.metadata.uid);
    expect(kept?.metadata.ownerReferences).toBeUndefined();
    const pods = await f.pods();
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => controllerRef(p)?.uid === rs?.metadata.uid && !p.metadata.deletionTimestamp)).toBe(true);
  });

  it('collects any kind whose owner is gone, and drops a dangling reference next to a live owner', async () => {
    const [pod] = await f.pods();
    const ref = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' });
    const d = await f.client.get<Deployment>('deployments', 'default', 'web');
    await f.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned-by-pod', namespace: 'default', ownerReferences: [ref(pod!)] }, data: {} });
    const ghost = { apiVersion: 'v1', kind: 'Secret', name: 'ghost', uid: 'no-such-uid' };
    await f.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two-owners', namespace: 'default', ownerReferences: [ref(d), ghost] }, data: {} });
    await f.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-ghost', namespace: 'default', ownerReferences: [ghost] }, data: {} });
    await f.settle();
    expect(await names(f, 'configmaps')).toEqual(['owned-by-pod', 'two-owners']);
    expect((await f.client.get('configmaps', 'default', 'two-owners')).metadata.ownerReferences?.map((r) => r.name)).toEqual(['web']);
    await f.client.delete('pods', 'default', pod!.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await f.settle();
    expect(await names(f, 'configmaps')).toEqual(['two-owners']);
  });
});
