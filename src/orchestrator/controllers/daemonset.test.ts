import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet, DaemonSetSpec, Pod } from '../api/types.js';
import { isPodActive } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';
import { targetNode } from './daemonsetutil.js';

function ds(name: string, spec: Partial<DaemonSetSpec> = {}, podSpec: Record<string, unknown> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'local/busybox:1' }], ...podSpec } },
      ...spec,
    },
  };
}

const live = async (f: ControllerFixture) => (await f.pods()).filter(isPodActive);
const nodesOf = async (f: ControllerFixture) => (await live(f)).map((p) => targetNode(p)).sort();
const get = (f: ControllerFixture, name: string) => f.client.get<DaemonSet>('daemonsets', 'default', name);
const image = (p: Pod) => p.spec.containers[0]?.image;

/** Plays the agent: ready pods, gone terminating ones, until nothing changes. */
async function converge(f: ControllerFixture, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await f.settle();
    const n = (await f.readyAllPods()) + (await f.finishTerminating());
    await f.settle();
    if (n === 0) return;
  }
}

describe('daemonset controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a', { labels: { disk: 'ssd' } });
    await f.addNode('node-b');
    await f.addNode('node-c', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
  });
  afterEach(async () => {
    await f.dispose();
  });

  it.each([
    { name: 'every untainted node', spec: {}, pod: {}, nodes: ['node-a', 'node-b'] },
    { name: 'nodeSelector', spec: {}, pod: { nodeSelector: { disk: 'ssd' } }, nodes: ['node-a'] },
    {
      name: 'required node affinity',
      spec: {},
      pod: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } } },
      nodes: ['node-b'],
    },
    { name: 'a toleration admits the tainted node', spec: {}, pod: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }, nodes: ['node-a', 'node-b', 'node-c'] },
  ])('one pod per eligible node: $name', async ({ pod, nodes }) => {
    await f.client.create('daemonsets', ds('agent', {}, pod));
    await converge(f);
    expect(await nodesOf(f)).toEqual(nodes);
    for (const p of await live(f)) {
      expect(p.spec.nodeName).toBe(targetNode(p));
      expect(p.spec.tolerations).toContainEqual({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
    }
    const d = await get(f, 'agent');
    expect(d.status).toMatchObject({ desiredNumberScheduled: nodes.length, currentNumberScheduled: nodes.length, numberReady: nodes.length, numberAvailable: nodes.length, updatedNumberScheduled: nodes.length, numberMisscheduled: 0, observedGeneration: d.metadata.generation });
  });

  it('runs on a node added later, leaves a node that stops matching, replaces a failed pod', async () => {
    await f.client.create('daemonsets', ds('agent', {}, { nodeSelector: { role: 'edge' } }));
    await converge(f);
    expect(await nodesOf(f)).toEqual([]);
    await f.addNode('node-d', { labels: { role: 'edge' } });
    await f.client.patch('nodes', undefined, 'node-b', 'merge', { metadata: { labels: { role: 'edge' } } });
    await converge(f);
    expect(await nodesOf(f)).toEqual(['node-b', 'node-d']);
    await f.client.patch('nodes', undefined, 'node-b', 'merge', { metadata: { labels: { role: null } } });
    await converge(f);
    expect(await nodesOf(f)).toEqual(['node-d']);
    const [p] = await live(f);
    await f.client.updateStatus<Pod>('pods', { ...(p as Pod), status: { ...p?.status, phase: 'Failed' } });
    await converge(f);
    // The replacement waits the failed-pod back-off (1 s after a first failure).
    expect(await live(f)).toHaveLength(0);
    await f.advance(1_100);
    await converge(f);
    const now = await live(f);
    expect(now.map(targetNode)).toEqual(['node-d']);
    expect(now[0]?.metadata.name).not.toBe(p?.metadata.name);
    expect(await f.events('FailedDaemonPod')).toHaveLength(1);
  });

  it.each([
    { name: 'maxUnavailable 1', ru: { maxUnavailable: 1, maxSurge: 0 }, maxDown: 1, maxExtra: 0 },
    { name: 'maxUnavailable 2', ru: { maxUnavailable: 2, maxSurge: 0 }, maxDown: 2, maxExtra: 0 },
    { name: 'maxSurge 1', ru: { maxUnavailable: 0, maxSurge: 1 }, maxDown: 0, maxExtra: 1 },
  ])('RollingUpdate $name keeps within its budget and records revisions', async ({ ru, maxDown, maxExtra }) => {
    await f.addNode('node-d');
    await f.client.create('daemonsets', ds('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: ru } }));
    await converge(f);
    expect(await live(f)).toHaveLength(3);
    await f.client.patch('daemonsets', 'default', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'local/busybox:2' }] } } } });
    // Step the agent one action at a time, checking the budget after each controller round.
    for (let i = 0; i < 40; i++) {
      await f.settle();
      const pods = await live(f);
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const nodesReady = new Set(ready.map(targetNode));
      expect(3 - nodesReady.size).toBeLessThanOrEqual(maxDown);
      expect(pods.length - 3).toBeLessThanOrEqual(maxExtra);
      if (pods.length === 3 && pods.every((p) => image(p) === 'local/busybox:2') && ready.length === 3) break;
      const acted = (await f.finishTerminating()) || (await f.readyAllPods());
      if (!acted) await f.settle();
    }
    const pods = await live(f);
    expect(pods.map(image)).toEqual(['local/busybox:2', 'local/busybox:2', 'local/busybox:2']);
    const d = await get(f, 'agent');
    expect(d.status).toMatchObject({ updatedNumberScheduled: 3, numberAvailable: 3, desiredNumberScheduled: 3 });
    const revs = (await f.list<ControllerRevision>('controllerrevisions')).sort((a, b) => a.revision - b.revision);
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    expect(revs[1]?.data).toMatchObject({ spec: { template: { $patch: 'replace', spec: { containers: [{ image: 'local/busybox:2' }] } } } });
    expect(revs[0]?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });
    for (const p of pods) expect(p.metadata.labels?.['controller-revision-hash']).toBe(revs[1]?.metadata.labels?.['controller-revision-hash']);
  });

  it('a node whose old pod is still terminating gets the new pod only once the old one is gone', async () => {
    await f.client.create('daemonsets', ds('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }));
    await converge(f);
    await f.client.patch('daemonsets', 'default', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'local/busybox:2' }] } } } });
    await f.settle();
    await f.settle();
    // Both old pods are terminating (maxUnavailable 2); no node has a second pod beside its old one.
    const all = await f.pods();
    expect(all.map((p) => [targetNode(p), image(p), !!p.metadata.deletionTimestamp]).sort()).toEqual([
      ['node-a', 'local/busybox:1', true],
      ['node-b', 'local/busybox:1', true],
    ]);
    expect((await get(f, 'agent')).status?.updatedNumberScheduled).toBe(0);
    await converge(f);
    expect((await f.pods()).map((p) => [targetNode(p), image(p)]).sort()).toEqual([
      ['node-a', 'local/busybox:2'],
      ['node-b', 'local/busybox:2'],
    ]);
  });

  it('OnDelete: a new template reaches only pods deleted by hand', async () => {
    await f.client.create('daemonsets', ds('agent', { updateStrategy: { type: 'OnDelete' } }));
    await converge(f);
    await f.client.patch('daemonsets', 'default', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'local/busybox:2' }] } } } });
    await converge(f);
    expect((await live(f)).map(image)).toEqual(['local/busybox:1', 'local/busybox:1']);
    const victim = (await live(f))[0] as Pod;
    await f.client.delete('pods', 'default', victim.metadata.name ?? '');
    await converge(f);
    expect((await live(f)).map(image).sort()).toEqual(['local/busybox:1', 'local/busybox:2']);
    expect((await get(f, 'agent')).status?.updatedNumberScheduled).toBe(1);
  });

  it('a template back to an older revision renumbers that revision (rollback)', async () => {
    await f.client.create('daemonsets', ds('agent'));
    await converge(f);
    await f.client.patch('daemonsets', 'default', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'local/busybox:2' }] } } } });
    await converge(f);
    const before = (await f.list<ControllerRevision>('controllerrevisions')).find((r) => r.revision === 1);
    // What `kubectl rollout undo` sends: revision 1's data as a strategic merge patch.
    await f.client.patch('daemonsets', 'default', 'agent', 'strategic', before?.data);
    await converge(f);
    const revs = await f.list<ControllerRevision>('controllerrevisions');
    expect(revs).toHaveLength(2);
    expect(revs.find((r) => r.metadata.name === before?.metadata.name)?.revision).toBe(3);
    expect(revs.find((r) => r.metadata.name !== before?.metadata.name)?.revision).toBe(2);
    expect((await live(f)).map(image)).toEqual(['local/busybox:1', 'local/busybox:1']);
  });
});
