import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerRevision, KubeObject, Pod, StatefulSet, StatefulSetSpec } from '../api/types.js';
import { isPodActive } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';
import { defaultLocalPathClass } from '../api/storage.js';

function sts(name: string, spec: Partial<StatefulSetSpec> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image: 'local/busybox:1' }] } },
      ...spec,
    },
  };
}

const CLAIMS = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
const live = async (f: ControllerFixture) => (await f.pods()).filter(isPodActive).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
const names = async (f: ControllerFixture) => (await live(f)).map((p) => p.metadata.name);
const get = (f: ControllerFixture, name: string) => f.client.get<StatefulSet>('statefulsets', 'default', name);
const image = (p: Pod) => p.spec.containers[0]?.image;
const pvcs = async (f: ControllerFixture) => (await f.list<KubeObject>('persistentvolumeclaims')).map((c) => c.metadata.name).sort();

async function setImage(f: ControllerFixture, img: string): Promise<void> {
  await f.client.patch('statefulsets', 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'db', image: img }] } } } });
}

/** Plays the agent until nothing changes; returns each round's pod names (to see the order). */
async function converge(f: ControllerFixture, rounds = 20): Promise<string[][]> {
  const seen: string[][] = [];
  for (let i = 0; i < rounds; i++) {
    // A second of fake time per round: a pod whose claim was being bound is scheduled again (its backoff).
    await f.advance(1_000);
    seen.push((await names(f)) as string[]);
    const n = (await f.finishTerminating()) + (await f.readyAllPods());
    if (n === 0) return seen;
  }
  return seen;
}

describe('statefulset controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    // The default class here has no provisioner and binds WaitForFirstConsumer: the claims get it,
    // their pods schedule where a free static volume fits, and the PV controller binds each claim
    // on the chosen node before the pod is bound (VolumeBinding's PreBind waits for it).
    f = await controllerFixture({ disabled: ['local-path-provisioner'] });
    await f.client.create('storageclasses', { ...defaultLocalPathClass(), metadata: { name: 'static', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'kubernetes.io/no-provisioner' });
    for (let i = 0; i < 4; i++) {
      await f.client.create('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `vol-${i}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'static', hostPath: { path: `/srv/vol-${i}` } } });
    }
    await f.addNode('node-a');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it.each([
    { policy: 'OrderedReady' as const, firstRound: ['web-0'] },
    { policy: 'Parallel' as const, firstRound: ['web-0', 'web-1', 'web-2'] },
  ])('$policy: stable names, identity and claims', async ({ policy, firstRound }) => {
    await f.client.create('statefulsets', sts('web', { podManagementPolicy: policy, volumeClaimTemplates: CLAIMS }));
    const rounds = await converge(f);
    expect(rounds[0]).toEqual(firstRound);
    if (policy === 'OrderedReady') expect(rounds.slice(0, 3)).toEqual([['web-0'], ['web-0', 'web-1'], ['web-0', 'web-1', 'web-2']]);
    const pods = await live(f);
    expect(pods.map((p) => p.metadata.name)).toEqual(['web-0', 'web-1', 'web-2']);
    for (const [i, p] of pods.entries()) {
      expect(p.spec.hostname).toBe(`web-${i}`);
      expect(p.spec.subdomain).toBe('web');
      expect(p.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'apps.kubernetes.io/pod-index': String(i) });
      expect(p.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: `data-web-${i}` } });
    }
    expect(await pvcs(f)).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    const s = await get(f, 'web');
    expect(s.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    expect(s.status?.currentRevision).toBe(s.status?.updateRevision);
    expect((await f.events('SuccessfulCreate')).map((e) => e.message)).toContain('create Claim data-web-0 Pod web-0 in StatefulSet web success');
  });

  it('OrderedReady scales down from the highest ordinal, one at a time; a deleted pod comes back with its name', async () => {
    await f.client.create('statefulsets', sts('web', { replicas: 4 }));
    await converge(f);
    await f.client.patch('statefulsets', 'default', 'web', 'merge', { spec: { replicas: 1 } });
    const rounds = await converge(f);
    expect(rounds.slice(0, 3)).toEqual([['web-0', 'web-1', 'web-2'], ['web-0', 'web-1'], ['web-0']]);
    await f.client.delete('pods', 'default', 'web-0');
    await converge(f);
    expect(await names(f)).toEqual(['web-0']);
  });

  it('OrderedReady waits for an unready pod before making the next', async () => {
    await f.client.create('statefulsets', sts('web'));
    await f.settle();
    const [p0] = await live(f);
    await f.setPodStatus(p0 as Pod, false);
    await f.settle();
    expect(await names(f)).toEqual(['web-0']);
    await f.setPodStatus((await live(f))[0] as Pod, true);
    await f.settle();
    expect(await names(f)).toEqual(['web-0', 'web-1']);
  });

  it.each([
    { partition: 0, updated: ['web-0', 'web-1', 'web-2'] },
    { partition: 2, updated: ['web-2'] },
  ])('RollingUpdate with partition $partition: highest ordinal first, only ordinals >= partition', async ({ partition, updated }) => {
    await f.client.create('statefulsets', sts('web', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } } }));
    await converge(f);
    await setImage(f, 'local/busybox:2');
    await converge(f);
    const deleted = (await f.events('SuccessfulDelete')).map((e) => e.message);
    expect(deleted).toEqual([...updated].reverse().map((n) => `delete Pod ${n} in StatefulSet web successful`));
    const pods = await live(f);
    expect(pods.filter((p) => image(p) === 'local/busybox:2').map((p) => p.metadata.name)).toEqual(updated);
    const s = await get(f, 'web');
    expect(s.status?.updatedReplicas).toBe(updated.length);
    if (partition === 0) expect(s.status?.currentRevision).toBe(s.status?.updateRevision);
    else expect(s.status?.currentRevision).not.toBe(s.status?.updateRevision);
    // A pod below the partition deleted by hand comes back at the current revision.
    if (partition > 0) {
      await f.client.delete('pods', 'default', 'web-0');
      await converge(f);
      expect(image((await live(f))[0] as Pod)).toBe('local/busybox:1');
    }
    const revs = await f.list<ControllerRevision>('controllerrevisions');
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 2]);
  });

  it('OnDelete: pods keep their template until deleted', async () => {
    await f.client.create('statefulsets', sts('web', { updateStrategy: { type: 'OnDelete' } }));
    await converge(f);
    await setImage(f, 'local/busybox:2');
    await converge(f);
    expect((await live(f)).map(image)).toEqual(['local/busybox:1', 'local/busybox:1', 'local/busybox:1']);
    await f.client.delete('pods', 'default', 'web-1');
    await converge(f);
    expect((await live(f)).map(image)).toEqual(['local/busybox:1', 'local/busybox:2', 'local/busybox:1']);
  });

  it.each([
    { policy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, afterScale: ['data-web-0', 'data-web-1', 'data-web-2'], afterDelete: ['data-web-0', 'data-web-1', 'data-web-2'] },
    { policy: { whenDeleted: 'Retain', whenScaled: 'Delete' }, afterScale: ['data-web-0'], afterDelete: ['data-web-0'] },
    { policy: { whenDeleted: 'Delete', whenScaled: 'Retain' }, afterScale: ['data-web-0', 'data-web-1', 'data-web-2'], afterDelete: [] },
  ])('PVC retention $policy', async ({ policy, afterScale, afterDelete }) => {
    await f.client.create('statefulsets', sts('web', { volumeClaimTemplates: CLAIMS, persistentVolumeClaimRetentionPolicy: policy as StatefulSetSpec['persistentVolumeClaimRetentionPolicy'] }));
    await converge(f);
    await f.client.patch('statefulsets', 'default', 'web', 'merge', { spec: { replicas: 1 } });
    await converge(f);
    expect(await pvcs(f)).toEqual(afterScale);
    await f.client.delete('statefulsets', 'default', 'web');
    await converge(f);
    expect(await pvcs(f)).toEqual(afterDelete);
  });
});
