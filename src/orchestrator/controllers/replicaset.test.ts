import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '../api/types.js';
import { controllerRef, isPodActive } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

function rs(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'local/busybox:1' }] } },
      ...extra,
    },
  };
}

async function scale(f: ControllerFixture, name: string, replicas: number): Promise<void> {
  await f.client.patch('replicasets', 'default', name, 'merge', { spec: { replicas } });
}

const active = async (f: ControllerFixture) => (await f.pods()).filter(isPodActive);

describe('replicaset controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
    await f.addNode('node-b');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it.each([
    { from: 0, to: 3 },
    { from: 3, to: 5 },
    { from: 5, to: 2 },
    { from: 2, to: 0 },
  ])('scales from $from to $to replicas and reports status', async ({ from, to }) => {
    await f.client.create('replicasets', rs('web', from));
    await f.settle();
    expect(await active(f)).toHaveLength(from);
    await f.readyAllPods();
    await f.settle();
    await scale(f, 'web', to);
    await f.settle();
    await f.readyAllPods();
    await f.settle();
    const pods = await active(f);
    expect(pods).toHaveLength(to);
    const set = await f.client.get<ReplicaSet>('replicasets', 'default', 'web');
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(controllerRef(p)).toMatchObject({ kind: 'ReplicaSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true });
      expect(p.metadata.labels).toEqual({ app: 'web' });
    }
    expect(set.status).toMatchObject({ replicas: to, readyReplicas: to, availableReplicas: to, fullyLabeledReplicas: to, observedGeneration: set.metadata.generation });
    const created = await f.events('SuccessfulCreate');
    expect(created).toHaveLength(Math.max(from, to));
    expect(created[0]?.message).toMatch(/^Created pod: web-[a-z0-9]{5}$/);
    if (to < from) expect(await f.events('SuccessfulDelete')).toHaveLength(from - to);
  });

  it('deletes unscheduled, then not-ready pods before ready ones', async () => {
    await f.client.create('replicasets', rs('web', 3));
    await f.settle();
    const [p1, p2] = await f.pods();
    await f.setPodStatus(p1 as Pod, true);
    await f.setPodStatus(p2 as Pod, false);
    // A fourth pod, adopted, that no scheduler will place (its node does not exist).
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x:1' }], nodeSelector: { nowhere: 'true' } } });
    await f.settle();
    await scale(f, 'web', 4);
    await f.settle();
    expect(await active(f)).toHaveLength(4);
    await scale(f, 'web', 1);
    await f.settle();
    expect((await active(f)).map((p) => p.metadata.name)).toEqual([p1?.metadata.name]);
    const deleted = (await f.events('SuccessfulDelete')).map((e) => e.message);
    expect(deleted).toContain('Deleted pod: stray');
    expect(deleted).toContain(`Deleted pod: ${p2?.metadata.name}`);
  });

  it('adopts matching orphans instead of creating, and releases pods whose labels stop matching', async () => {
    for (const n of ['orphan-1', 'orphan-2']) {
      await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x:1' }] } });
    }
    await f.client.create('replicasets', rs('web', 3));
    await f.settle();
    const pods = await active(f);
    expect(pods).toHaveLength(3);
    const set = await f.client.get<ReplicaSet>('replicasets', 'default', 'web');
    expect(pods.every((p) => controllerRef(p)?.uid === set.metadata.uid)).toBe(true);
    expect(await f.events('SuccessfulCreate')).toHaveLength(1);

    await f.client.patch('pods', 'default', 'orphan-1', 'merge', { metadata: { labels: { app: 'debug' } } });
    await f.settle();
    const released = await f.client.get<Pod>('pods', 'default', 'orphan-1');
    expect(released.metadata.ownerReferences).toBeUndefined();
    expect((await active(f)).filter((p) => p.metadata.labels?.app === 'web')).toHaveLength(3);
  });

  it('replaces a pod that is being deleted without waiting for it to go', async () => {
    await f.client.create('replicasets', rs('web', 2));
    await f.settle();
    const [victim] = await f.pods();
    await f.client.delete('pods', 'default', victim?.metadata.name ?? '');
    await f.settle();
    const terminating = await f.client.get<Pod>('pods', 'default', victim?.metadata.name ?? '');
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(await active(f)).toHaveLength(2);
    expect((await f.client.get<ReplicaSet>('replicasets', 'default', 'web')).status?.replicas).toBe(2);
  });

  it('counts available replicas only after minReadySeconds', async () => {
    await f.client.create('replicasets', rs('web', 2, { minReadySeconds: 10 }));
    await f.settle();
    await f.readyAllPods();
    await f.settle();
    expect((await f.client.get<ReplicaSet>('replicasets', 'default', 'web')).status).toMatchObject({ readyReplicas: 2, availableReplicas: 0 });
    await f.advance(11_000);
    expect((await f.client.get<ReplicaSet>('replicasets', 'default', 'web')).status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
  });

  it('records FailedCreate and a ReplicaFailure condition when the API rejects the template', async () => {
    // A valid ReplicaSet name (up to 253 characters) whose pods' generated names are too long.
    const long = 'x'.repeat(250);
    const set0 = rs('long', 1);
    await f.client.create('replicasets', { ...set0, metadata: { name: long, namespace: 'default' } });
    await f.settle();
    const failed = await f.events('FailedCreate');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]?.message).toMatch(/^Error creating: /);
    const set = await f.client.get<ReplicaSet>('replicasets', 'default', long);
    expect(set.status?.conditions?.[0]).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
  });
});
