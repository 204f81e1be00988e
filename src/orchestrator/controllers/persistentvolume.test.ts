import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLocalPathClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../api/storage.js';
import type { Pod } from '../api/types.js';
import { HELPER_NAMESPACE } from './localpath.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const QUIET = ['deployment', 'replicaset', 'endpoints', 'endpointslice', 'nodelifecycle', 'garbagecollector', 'horizontalpodautoscaling'] as const;

function pv(name: string, storage: string, more: Partial<PersistentVolume['spec']> = {}, labels?: Record<string, string>): PersistentVolume {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, ...(labels ? { labels } : {}) }, spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/srv/${name}` }, storageClassName: '', ...more } };
}

function pvc(name: string, storage: string, more: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, storageClassName: '', ...more } };
}

function podUsing(name: string, claim: string, nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'app', image: 'local/busybox:1' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
  } as Pod;
}

describe('PV controller: static binding', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture({ disabled: [...QUIET] });
  });
  afterEach(async () => {
    await f.dispose();
  });

  const cases: { name: string; pvs: PersistentVolume[]; claim: PersistentVolumeClaim; bound?: string }[] = [
    { name: 'the smallest volume that fits', pvs: [pv('big', '10Gi'), pv('small', '1Gi'), pv('tiny', '100Mi')], claim: pvc('c', '500Mi'), bound: 'small' },
    { name: 'access modes must all be offered', pvs: [pv('rwo', '1Gi'), pv('rwx', '5Gi', { accessModes: ['ReadWriteOnce', 'ReadWriteMany'] })], claim: pvc('c', '1Gi', { accessModes: ['ReadWriteMany'] }), bound: 'rwx' },
    { name: 'the class must be the same', pvs: [pv('plain', '1Gi'), pv('fast', '2Gi', { storageClassName: 'fast' })], claim: pvc('c', '1Gi', { storageClassName: 'fast' }), bound: 'fast' },
    { name: 'the selector must match the labels', pvs: [pv('a', '1Gi', {}, { tier: 'cold' }), pv('b', '2Gi', {}, { tier: 'hot' })], claim: pvc('c', '1Gi', { selector: { matchLabels: { tier: 'hot' } } }), bound: 'b' },
    { name: 'the volume mode must be the same', pvs: [pv('fs', '1Gi'), pv('blk', '1Gi', { volumeMode: 'Block' })], claim: pvc('c', '1Gi', { volumeMode: 'Block' }), bound: 'blk' },
    { name: 'nothing big enough stays Pending', pvs: [pv('small', '1Gi')], claim: pvc('c', '2Gi') },
    { name: 'a volume pre-bound to another claim is not taken', pvs: [pv('taken', '1Gi', { claimRef: { namespace: 'default', name: 'other' } })], claim: pvc('c', '1Gi') },
  ];

  it.each(cases)('$name', async (c) => {
    for (const v of c.pvs) await f.client.create('persistentvolumes', v);
    await f.client.create('persistentvolumeclaims', c.claim);
    await f.settle();
    const claim = await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'c');
    if (!c.bound) {
      expect(claim.status?.phase).toBe('Pending');
      expect(claim.spec.volumeName).toBeUndefined();
      expect((await f.events('FailedBinding')).map((e) => e.message)).toContain('no persistent volumes available for this claim and no storage class is set');
      return;
    }
    expect(claim.spec.volumeName).toBe(c.bound);
    expect(claim.status).toMatchObject({ phase: 'Bound', capacity: { storage: c.pvs.find((v) => v.metadata.name === c.bound)?.spec.capacity?.storage } });
    expect(claim.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    const vol = await f.client.get<PersistentVolume>('persistentvolumes', undefined, c.bound);
    expect(vol.status?.phase).toBe('Bound');
    expect(vol.spec.claimRef).toMatchObject({ namespace: 'default', name: 'c', uid: claim.metadata.uid });
    for (const other of c.pvs.filter((v) => v.metadata.name !== c.bound)) {
      expect((await f.client.get<PersistentVolume>('persistentvolumes', undefined, other.metadata.name ?? '')).status?.phase).toBe('Available');
    }
  });

  it('releases a volume when its claim goes: Retain keeps it, Delete of a static volume fails as upstream', async () => {
    await f.client.create('persistentvolumes', pv('keep', '1Gi'));
    await f.client.create('persistentvolumes', pv('drop', '2Gi', { persistentVolumeReclaimPolicy: 'Delete' }));
    await f.client.create('persistentvolumeclaims', pvc('a', '1Gi'));
    await f.client.create('persistentvolumeclaims', pvc('b', '2Gi'));
    await f.settle();
    // A pod uses claim a: the claim stays (pvc-protection) until the pod is gone.
    await f.client.create('pods', podUsing('user', 'a', 'n1'));
    await f.client.delete('persistentvolumeclaims', 'default', 'a');
    await f.client.delete('persistentvolumeclaims', 'default', 'b');
    await f.settle();
    const a = await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'a');
    expect(a.metadata.deletionTimestamp).toBeDefined();
    expect(a.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await f.client.delete('pods', 'default', 'user', { gracePeriodSeconds: 0 });
    await f.settle();
    await expect(f.client.get('persistentvolumeclaims', 'default', 'a')).rejects.toMatchObject({ code: 404 });
    expect((await f.client.get<PersistentVolume>('persistentvolumes', undefined, 'keep')).status?.phase).toBe('Released');
    const drop = await f.client.get<PersistentVolume>('persistentvolumes', undefined, 'drop');
    expect(drop.status).toMatchObject({ phase: 'Failed', reason: 'VolumeFailedDelete' });
    expect((await f.events('VolumeFailedDelete'))[0]?.message).toBe('error getting deleter volume plugin for volume "drop": no deletable volume plugin matched');
    // pv-protection: a Released volume may go.
    await f.client.delete('persistentvolumes', undefined, 'keep');
    await f.settle();
    await expect(f.client.get('persistentvolumes', undefined, 'keep')).rejects.toMatchObject({ code: 404 });
  });

  it('keeps a Bound volume that is deleted until its claim lets go (pv-protection)', async () => {
    await f.client.create('persistentvolumes', pv('v', '1Gi'));
    await f.client.create('persistentvolumeclaims', pvc('c', '1Gi'));
    await f.settle();
    await f.client.delete('persistentvolumes', undefined, 'v');
    await f.settle();
    const v = await f.client.get<PersistentVolume>('persistentvolumes', undefined, 'v');
    expect(v.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    await f.client.delete('persistentvolumeclaims', 'default', 'c');
    await f.settle();
    await expect(f.client.get('persistentvolumes', undefined, 'v')).rejects.toMatchObject({ code: 404 });
  });

  it('refuses to resize a claim whose class does not allow it, and never shrinks one', async () => {
    await f.client.create('persistentvolumes', pv('v', '1Gi'));
    await f.client.create('persistentvolumeclaims', pvc('c', '1Gi'));
    await f.settle();
    await expect(f.client.patch('persistentvolumeclaims', 'default', 'c', 'merge', { spec: { resources: { requests: { storage: '2Gi' } } } })).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('only dynamically provisioned pvc can be resized'),
    });
    await expect(f.client.patch('persistentvolumeclaims', 'default', 'c', 'merge', { spec: { resources: { requests: { storage: '500Mi' } } } })).rejects.toMatchObject({ code: 422 });
  });
});

describe('local-path provisioning with WaitForFirstConsumer', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture({ disabled: [...QUIET], localPath: { basePath: '/data/vols', helperImage: 'local/busybox:1' } });
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HELPER_NAMESPACE } });
    await f.client.create('storageclasses', defaultLocalPathClass());
    await f.addNode('n1');
    await f.addNode('n2');
    await f.settle();
  });
  afterEach(async () => {
    await f.dispose();
  });

  /** What the helper pod's node agent does: run it to completion. */
  const finishHelpers = async (phase: 'Succeeded' | 'Failed' = 'Succeeded'): Promise<Pod[]> => {
    const helpers = (await f.pods(HELPER_NAMESPACE)).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
    for (const h of helpers) await f.client.updateStatus('pods', { ...h, status: { phase, containerStatuses: [{ name: 'helper-pod', state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1 } } }] } });
    await f.settle();
    return helpers;
  };

  it('provisions on the node the scheduler picks, binds, keeps the pod there, expands, and deletes the directory on release', async () => {
    const claim = pvc('data', '1Gi');
    delete (claim.spec as { storageClassName?: string }).storageClassName;
    const created = await f.client.create<PersistentVolumeClaim>('persistentvolumeclaims', claim);
    expect(created.spec.storageClassName).toBe('local-path');
    expect(created.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await f.settle();
    expect((await f.events('WaitForFirstConsumer')).length).toBe(1);
    expect(await f.pods(HELPER_NAMESPACE)).toEqual([]);

    await f.client.create('pods', podUsing('app', 'data'));
    await f.settle();
    // The scheduler names a node on the claim, and binds the pod only once the claim is bound there.
    const annotated = await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data');
    const node = annotated.metadata.annotations?.['volume.kubernetes.io/selected-node'] ?? '';
    expect(['n1', 'n2']).toContain(node);
    expect((await f.client.get<Pod>('pods', 'default', 'app')).spec.nodeName).toBeUndefined();
    await f.advance(60_000);
    expect((await f.client.get<Pod>('pods', 'default', 'app')).spec.nodeName).toBeUndefined();
    // The pod says once what it waits for, though the scheduler looks again every few seconds.
    const waiting = await f.events('WaitingForVolumes');
    expect(waiting.map((e) => [e.involvedObject.name, e.message, e.count ?? 1])).toEqual([['app', `waiting for claim(s) default/data to be bound on node "${node}"`, 1]]);
    const [helper] = await finishHelpers();
    await f.advance(60_000);
    expect((await f.client.get<Pod>('pods', 'default', 'app')).spec.nodeName).toBe(node);
    expect(helper?.spec.nodeName).toBe(node);
    expect(helper?.spec.containers[0]?.env).toEqual([{ name: 'VOL_DIR', value: `pvc-${created.metadata.uid ?? ''}_default_data` }]);
    expect((helper?.spec.volumes as unknown[] | undefined)?.[0]).toMatchObject({ hostPath: { path: '/data/vols', type: 'DirectoryOrCreate' } });

    const bound = await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data');
    expect(bound.status?.phase).toBe('Bound');
    const vol = await f.client.get<PersistentVolume>('persistentvolumes', undefined, bound.spec.volumeName ?? '');
    expect(vol.spec).toMatchObject({
      hostPath: { path: `/data/vols/pvc-${created.metadata.uid ?? ''}_default_data`, type: 'DirectoryOrCreate' },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local-path',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    });
    expect((await f.events('ProvisioningSucceeded'))[0]?.message).toBe(`Successfully provisioned volume ${vol.metadata.name ?? ''}`);
    expect(await f.pods(HELPER_NAMESPACE)).toEqual([]);

    // The next pod using the claim lands on the same node, whichever the scores prefer.
    for (let i = 0; i < 3; i++) await f.client.create('pods', podUsing(`again-${i}`, 'data'));
    await f.settle();
    for (let i = 0; i < 3; i++) expect((await f.client.get<Pod>('pods', 'default', `again-${i}`)).spec.nodeName).toBe(node);

    // Expansion: the class allows it; a directory has no size, so the controller completes it.
    await f.client.patch('persistentvolumeclaims', 'default', 'data', 'merge', { spec: { resources: { requests: { storage: '3Gi' } } } });
    await f.settle();
    expect((await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data')).status?.capacity).toEqual({ storage: '3Gi' });
    expect((await f.client.get<PersistentVolume>('persistentvolumes', undefined, vol.metadata.name ?? '')).spec.capacity).toEqual({ storage: '3Gi' });

    for (const p of await f.pods('default')) await f.client.delete('pods', 'default', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await f.client.delete('persistentvolumeclaims', 'default', 'data');
    await f.settle();
    const [remover] = await finishHelpers();
    expect(remover?.metadata.name).toBe(`helper-delete-${vol.metadata.name ?? ''}`);
    expect(remover?.spec.nodeName).toBe(node);
    await expect(f.client.get('persistentvolumes', undefined, vol.metadata.name ?? '')).rejects.toMatchObject({ code: 404 });
  });

  it('reports a failed helper and tries again', async () => {
    await f.client.create('persistentvolumeclaims', pvc('data', '1Gi', { storageClassName: 'local-path' }));
    await f.client.create('pods', podUsing('app', 'data'));
    await f.settle();
    await finishHelpers('Failed');
    expect((await f.events('ProvisioningFailed'))[0]?.message).toMatch(/^failed to provision volume with StorageClass "local-path": helper pod helper-create-pvc-.* failed: exit code 1/);
    await f.advance(5_000);
    await finishHelpers();
    expect((await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data')).status?.phase).toBe('Bound');
  });

  it('says why a helper cannot start, gives up on it after the timeout, and tries again', async () => {
    await f.client.create('persistentvolumeclaims', pvc('data', '1Gi', { storageClassName: 'local-path' }));
    await f.client.create('pods', podUsing('app', 'data'));
    await f.settle();
    const [helper] = await f.pods(HELPER_NAMESPACE);
    const name = helper?.metadata.name ?? '';
    // Its node cannot pull the image: the claim says so (once per reason, as the node repeats it;
    // the engine's messages may end in a space).
    const pulling = { phase: 'Pending', containerStatuses: [{ name: 'helper-pod', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "local/busybox:1" ' } } }] };
    await f.client.updateStatus('pods', { ...(helper as Pod), status: pulling });
    await f.settle();
    await f.client.patch('pods', HELPER_NAMESPACE, name, 'merge', { metadata: { labels: { touched: 'yes' } } });
    await f.settle();
    const stuck = await f.events('ProvisioningFailed');
    expect(stuck.length).toBe(1);
    expect(stuck[0]?.message).toBe(
      `failed to provision volume with StorageClass "local-path": helper pod ${name} cannot start: ImagePullBackOff: Back-off pulling image "local/busybox:1" ` +
        `(the helper image "local/busybox:1" must be pullable by the node, or present in its engine; Skiff's SKIFF_STORAGE_HELPER_IMAGE sets it)`,
    );
    expect(await f.pods(HELPER_NAMESPACE)).toHaveLength(1);
    // Nothing changes on the pod any more: the timeout alone ends it (120 s after the helper was created).
    await f.advance(121_000);
    const failed = (await f.events('ProvisioningFailed')).map((e) => e.message);
    expect(failed).toContain(`failed to provision volume with StorageClass "local-path": helper pod ${name} did not finish within 120 s (ImagePullBackOff: Back-off pulling image "local/busybox:1")`);
    // The stuck helper went; after the back-off a new one is made, and when it runs the claim binds.
    await f.advance(5_000);
    const again = await f.pods(HELPER_NAMESPACE);
    expect(again).toHaveLength(1);
    expect(again[0]?.metadata.uid).not.toBe(helper?.metadata.uid);
    await finishHelpers();
    expect((await f.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data')).status?.phase).toBe('Bound');
  });

  it('says why a pod cannot schedule for its claims, per node', async () => {
    const immediate: StorageClass = { ...defaultLocalPathClass(), metadata: { name: 'now' }, volumeBindingMode: 'Immediate', provisioner: 'example.com/none' };
    await f.client.create('storageclasses', immediate);
    await f.client.create('persistentvolumeclaims', pvc('later', '1Gi', { storageClassName: 'now' }));
    await f.client.create('pods', podUsing('waits', 'later'));
    await f.client.create('pods', podUsing('missing', 'nope'));
    // A static volume pinned to n2, bound to a claim: its pods go to n2 only.
    await f.client.create('persistentvolumes', pv('pinned', '1Gi', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] } } }));
    await f.client.create('persistentvolumeclaims', pvc('pinned', '1Gi'));
    await f.settle();
    const msg = async (name: string) => (await f.client.get<Pod>('pods', 'default', name)).status?.conditions?.find((c) => c.type === 'PodScheduled')?.message;
    expect(await msg('waits')).toBe('0/2 nodes are available: 2 pod has unbound immediate PersistentVolumeClaims.');
    expect(await msg('missing')).toBe('0/2 nodes are available: 2 persistentvolumeclaim "nope" not found.');
    for (let i = 0; i < 3; i++) await f.client.create('pods', podUsing(`p${i}`, 'pinned'));
    await f.settle();
    await f.client.patch('nodes', undefined, 'n2', 'merge', { spec: { unschedulable: true } });
    await f.client.create('pods', podUsing('stuck', 'pinned'));
    await f.settle();
    for (let i = 0; i < 3; i++) expect((await f.client.get<Pod>('pods', 'default', `p${i}`)).spec.nodeName).toBe('n2');
    expect(await msg('stuck')).toBe("0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.");
  });
});
