import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SELECTED_NODE_ANNOTATION, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../../api/storage.js';
import type { Node, Pod } from '../../api/types.js';
import { SharedInformers } from '../../client/SharedInformers.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { flush } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { SchedulerCache } from '../cache.js';
import { CycleState } from '../framework.js';
import { volumeBinding, VOLUME_RESOURCES } from './volumeBinding.js';

const node = (name: string, labels: Record<string, string> = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: {},
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const cls = (name: string, provisioner: string, more: Partial<StorageClass> = {}): StorageClass => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: 'WaitForFirstConsumer', ...more });
const claim = (name: string, storageClassName: string): PersistentVolumeClaim => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName } });
const localPv = (name: string, on: string, storageClassName: string): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName,
    local: { path: `/srv/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [on] }] }] } },
  },
});
const podWith = (...claims: string[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'x' }], volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) },
});

describe('VolumeBinding', () => {
  let c: Awaited<ReturnType<typeof memoryCluster>>;
  let informers: SharedInformers;
  beforeEach(async () => {
    c = await memoryCluster();
    informers = new SharedInformers(c.client, c.clock, silentLogger);
    for (const r of VOLUME_RESOURCES) informers.get(r);
    informers.start();
  });
  afterEach(() => {
    informers.stop();
    c.dispose();
  });

  /** One cycle's PreFilter and Filter over `nodes`, on the informers' view once it has caught up. */
  async function cycle(pod: Pod, nodes: Node[]): Promise<{ state: CycleState; reasons: Record<string, string[]> }> {
    await informers.waitForSync();
    await flush();
    const state = new CycleState({ informers, client: c.client });
    const infos = new SchedulerCache().nodeInfos(nodes);
    volumeBinding.preFilter?.(state, pod, infos);
    return { state, reasons: Object.fromEntries(infos.map((n) => [n.name, volumeBinding.filter?.(state, pod, n) ?? []])) };
  }

  const filterCases: { name: string; setup: () => Promise<void>; claims: string[]; reasons: Record<string, string[]> }[] = [
    {
      name: 'a provisioning WFFC class: every node its allowedTopologies allow',
      setup: async () => {
        await c.client.create('storageclasses', cls('zoned', 'skiff.io/local-path', { allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }] }));
        await c.client.create('persistentvolumeclaims', claim('data', 'zoned'));
      },
      claims: ['data'],
      reasons: { n1: [], n2: ["node(s) didn't find available persistent volumes to bind"] },
    },
    {
      name: 'a WFFC class without provisioner: only nodes where a free static volume fits',
      setup: async () => {
        await c.client.create('storageclasses', cls('static', 'kubernetes.io/no-provisioner'));
        const pv = await c.client.create<PersistentVolume>('persistentvolumes', localPv('on-n2', 'n2', 'static'));
        // The PV controller's part: a new volume is Pending until it has looked at it.
        await c.client.updateStatus('persistentvolumes', { ...pv, status: { phase: 'Available' } });
        await c.client.create('persistentvolumeclaims', claim('data', 'static'));
      },
      claims: ['data'],
      reasons: { n1: ["node(s) didn't find available persistent volumes to bind"], n2: [] },
    },
    {
      name: 'an unbound Immediate claim rules out every node',
      setup: async () => {
        await c.client.create('storageclasses', cls('now', 'skiff.io/local-path', { volumeBindingMode: 'Immediate' }));
        await c.client.create('persistentvolumeclaims', claim('data', 'now'));
      },
      claims: ['data'],
      reasons: { n1: ['pod has unbound immediate PersistentVolumeClaims'], n2: ['pod has unbound immediate PersistentVolumeClaims'] },
    },
    {
      name: 'a missing claim rules out every node',
      setup: async () => undefined,
      claims: ['gone'],
      reasons: { n1: ['persistentvolumeclaim "gone" not found'], n2: ['persistentvolumeclaim "gone" not found'] },
    },
  ];

  it.each(filterCases)('Filter: $name', async (t) => {
    await t.setup();
    const { reasons } = await cycle(podWith(...t.claims), [node('n1', { zone: 'a' }), node('n2', { zone: 'b' })]);
    expect(reasons).toEqual(t.reasons);
  });

  /** Binds `name` to a new volume the way the provisioner and the PV controller do. */
  async function provisionAndBind(name: string, on: string): Promise<void> {
    const pvc = await c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', name);
    await c.client.create('persistentvolumes', { ...localPv(`pvc-${name}`, on, 'local'), spec: { ...localPv(`pvc-${name}`, on, 'local').spec, claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name, uid: pvc.metadata.uid } } });
    const bound = await c.client.update<PersistentVolumeClaim>('persistentvolumeclaims', { ...pvc, spec: { ...pvc.spec, volumeName: `pvc-${name}` } });
    await c.client.updateStatus('persistentvolumeclaims', { ...bound, status: { phase: 'Bound' } });
  }

  it('PreBind names the node on the claim and fails (the pod goes back to the queue) until the claim is bound there', async () => {
    await c.client.create('storageclasses', cls('local', 'skiff.io/local-path'));
    await c.client.create('persistentvolumeclaims', claim('data', 'local'));
    const first = await cycle(podWith('data'), [node('n1'), node('n2')]);
    expect(first.reasons).toEqual({ n1: [], n2: [] });
    await expect(volumeBinding.preBind?.(first.state, podWith('data'), 'n2')).rejects.toThrow('waiting for claim(s) default/data to be bound on node "n2"');
    expect((await c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data')).metadata.annotations?.[SELECTED_NODE_ANNOTATION]).toBe('n2');
    // While it is provisioned there, only that node fits, and the pod still waits.
    const again = await cycle(podWith('data'), [node('n1'), node('n2')]);
    expect(again.reasons).toEqual({ n1: ["node(s) didn't find available persistent volumes to bind"], n2: [] });
    await expect(volumeBinding.preBind?.(again.state, podWith('data'), 'n2')).rejects.toThrow(/to be bound/);
    // A claim whose node is gone is free to go elsewhere.
    expect((await cycle(podWith('data'), [node('n1')])).reasons).toEqual({ n1: [] });
    await provisionAndBind('data', 'n2');
    const bound = await cycle(podWith('data'), [node('n1'), node('n2')]);
    expect(bound.reasons).toEqual({ n1: ['node(s) had volume node affinity conflict'], n2: [] });
    await expect(volumeBinding.preBind?.(bound.state, podWith('data'), 'n2')).resolves.toBeUndefined();
  });

  it('PreBind passes once the claim got bound between the cycle and the bind, and fails for a claim deleted meanwhile', async () => {
    await c.client.create('storageclasses', cls('local', 'skiff.io/local-path'));
    await c.client.create('persistentvolumeclaims', claim('data', 'local'));
    await c.client.create('persistentvolumeclaims', claim('gone', 'local'));
    const one = await cycle(podWith('data'), [node('n1')]);
    const two = await cycle(podWith('gone'), [node('n1')]);
    await provisionAndBind('data', 'n1');
    await c.client.delete('persistentvolumeclaims', 'default', 'gone');
    await informers.waitForSync();
    await flush();
    await expect(volumeBinding.preBind?.(one.state, podWith('data'), 'n1')).resolves.toBeUndefined();
    await expect(volumeBinding.preBind?.(two.state, podWith('gone'), 'n1')).rejects.toThrow(/persistentvolumeclaim "default\/gone" (is being deleted|not found)/);
  });

  it('PreBind does not wait for claims that are already bound', async () => {
    await c.client.create('storageclasses', cls('local', 'skiff.io/local-path'));
    await c.client.create('persistentvolumeclaims', claim('data', 'local'));
    await provisionAndBind('data', 'n1');
    const { state } = await cycle(podWith('data'), [node('n1')]);
    await expect(volumeBinding.preBind?.(state, podWith('data'), 'n1')).resolves.toBeUndefined();
  });
});
