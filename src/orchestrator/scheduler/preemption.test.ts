import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../api/types.js';
import { controllerFixture, type ControllerFixture } from '../controllers/testkit.js';

let f: ControllerFixture;

beforeEach(async () => {
  f = await controllerFixture({ disabled: ['deployment', 'replicaset', 'endpoints', 'garbagecollector', 'namespace', 'horizontalpodautoscaling', 'disruption'] });
  for (const [name, value, policy] of [['low', 10, undefined], ['high', 1000, undefined], ['polite', 1000, 'Never']] as const) {
    await f.client.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...(policy ? { preemptionPolicy: policy } : {}) } as KubeObject);
  }
});

afterEach(async () => {
  await f.dispose();
});

function pod(name: string, cpu: string, priorityClassName?: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }], ...(priorityClassName ? { priorityClassName } : {}) } };
}

const nodeOf = async (name: string) => (await f.client.get<Pod>('pods', 'default', name)).spec.nodeName;

/** Node `a` (1 cpu) nearly full: two running `low` pods of 400m and one of priority 0 with 100m. */
async function fullNode(): Promise<void> {
  await f.addNode('a', { cpu: '1' });
  await f.client.create('pods', pod('low-1', '400m', 'low'));
  await f.client.create('pods', pod('low-2', '400m', 'low'));
  await f.client.create('pods', pod('zero', '100m'));
  await f.settle();
  await f.readyAllPods();
}

describe('scheduling order', () => {
  it('tries pending pods by priority when room appears, whatever order they came in', async () => {
    for (let i = 0; i < 5; i++) await f.client.create('pods', pod(`low-${i}`, '800m', 'low'));
    await f.client.create('pods', pod('vip', '800m', 'high'));
    await f.client.create('pods', pod('plain', '800m'));
    await f.settle();
    expect((await f.pods()).filter((p) => p.spec.nodeName)).toEqual([]);
    await f.addNode('a', { cpu: '1' });
    await f.settle();
    expect((await f.pods()).filter((p) => p.spec.nodeName).map((p) => p.metadata.name)).toEqual(['vip']);
    await f.addNode('b', { cpu: '1' });
    await f.settle();
    // Next by priority: one of the five "low" (10) pods before the one without a class (0). Which
    // one depends on timing, as in kube-scheduler: a low pod whose attempt ran while vip's binding
    // landed (a move request) waits out its back-off instead of being parked, so the next oldest
    // parked one may go first (oldest first among equals: queue.test.ts).
    const bound = (await f.pods()).filter((p) => p.spec.nodeName).map((p) => p.metadata.name ?? '');
    expect(bound).toHaveLength(2);
    expect(bound).toContain('vip');
    expect(bound.find((n) => n !== 'vip')).toMatch(/^low-\d$/);
  });
});

describe('preemption', () => {
  it('evicts the lowest-priority pods that make room, and binds once they are gone', async () => {
    await fullNode();
    expect(await nodeOf('low-1')).toBe('a');
    await f.client.create('pods', pod('vip', '500m', 'high'));
    await f.settle();
    // 100m free; removing one 400m low pod is enough (the 0-priority one is kept by the reprieve only if it does not help).
    const vip = await f.client.get<Pod>('pods', 'default', 'vip');
    expect(vip.status?.nominatedNodeName).toBe('a');
    const terminating = (await f.pods()).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name);
    expect(terminating).toHaveLength(1);
    expect((await f.events('Preempted')).map((e) => e.involvedObject.name)).toEqual(terminating);
    await f.finishTerminating();
    await f.settle();
    expect(await nodeOf('vip')).toBe('a');
  });

  it('never preempts pods of equal or higher priority, nor with preemptionPolicy Never', async () => {
    await f.addNode('a', { cpu: '1' });
    await f.client.create('pods', pod('peer', '800m', 'high'));
    await f.settle();
    await f.client.create('pods', pod('vip', '500m', 'high'));
    await f.client.create('pods', pod('polite', '500m', 'polite'));
    await f.settle();
    expect((await f.pods()).filter((p) => p.metadata.deletionTimestamp)).toEqual([]);
    expect(await nodeOf('vip')).toBeUndefined();
    expect((await f.events('Preempted')).length).toBe(0);
  });

  it('prefers victims whose PodDisruptionBudget allows the disruption, and still preempts when only budgeted pods make room', async () => {
    await f.addNode('a', { cpu: '1' });
    await f.addNode('b', { cpu: '1' });
    const guarded = { ...pod('guarded', '800m', 'low'), spec: { ...pod('guarded', '800m', 'low').spec, nodeName: 'a' } };
    guarded.metadata.labels = { app: 'db' };
    await f.client.create('pods', guarded);
    await f.client.create('pods', { ...pod('free', '800m', 'low'), spec: { ...pod('free', '800m', 'low').spec, nodeName: 'b' } });
    const pdb = await f.client.create<KubeObject>('poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } } as KubeObject);
    await f.client.patch('poddisruptionbudgets', 'default', 'db', 'merge', { status: { observedGeneration: pdb.metadata.generation, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }, { subresource: 'status' });
    await f.settle();
    await f.readyAllPods();
    // Both nodes would do by priority and count; "a" would win the name tie, but its victim is guarded.
    await f.client.create('pods', pod('vip', '500m', 'high'));
    await f.settle();
    expect((await f.pods()).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name)).toEqual(['free']);
    await f.finishTerminating();
    await f.settle();
    expect(await nodeOf('vip')).toBe('b');
    // Only the guarded pod's node is left with room to make: the budget is weighed, not enforced.
    await f.client.create('pods', pod('vip-2', '600m', 'high'));
    await f.settle();
    expect((await f.pods()).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name)).toEqual(['guarded']);
  });

  it('does not preempt for reasons fewer pods would not cure', async () => {
    await f.addNode('a', { cpu: '1', labels: { disk: 'hdd' } });
    await f.client.create('pods', pod('low-1', '800m', 'low'));
    await f.settle();
    const p = pod('vip', '500m', 'high');
    p.spec.nodeSelector = { disk: 'ssd' };
    await f.client.create('pods', p);
    await f.settle();
    expect((await f.pods()).filter((x) => x.metadata.deletionTimestamp)).toEqual([]);
  });

  it('preempts a lower-priority pod whose anti-affinity keeps the pod out, only on its node', async () => {
    await f.addNode('a', { cpu: '4' });
    await f.addNode('b', { cpu: '4' });
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    // Two loners, one per node, each keeping web pods off its node (existing pods' anti-affinity); the one on b is important.
    await f.client.create('pods', { ...pod('loner-a', '100m', 'low'), metadata: { name: 'loner-a', namespace: 'default', labels: { app: 'loner' } }, spec: { ...pod('x', '100m', 'low').spec, nodeName: 'a', affinity: anti } });
    await f.client.create('pods', { ...pod('loner-b', '100m', 'high'), metadata: { name: 'loner-b', namespace: 'default', labels: { app: 'loner' } }, spec: { ...pod('x', '100m', 'high').spec, nodeName: 'b', affinity: anti } });
    await f.client.create('pods', { ...pod('filler', '100m', 'low'), spec: { ...pod('x', '100m', 'low').spec, nodeName: 'a' } });
    await f.settle();
    await f.readyAllPods();
    await f.client.create('pods', { ...pod('web', '100m', 'high'), metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } } });
    await f.settle();
    // Only loner-a goes: the filler is reprieved (it was never in the way), loner-b outranks nothing.
    expect((await f.pods()).filter((x) => x.metadata.deletionTimestamp).map((x) => x.metadata.name)).toEqual(['loner-a']);
    expect((await f.client.get<Pod>('pods', 'default', 'web')).status?.nominatedNodeName).toBe('a');
    await f.finishTerminating();
    await f.settle();
    expect(await nodeOf('web')).toBe('a');
  });

  it('preempts for a topology spread constraint the lower-priority pods of a zone break, the fewest that cure it', async () => {
    await f.addNode('a', { cpu: '4', labels: { zone: 'a' } });
    await f.addNode('b', { cpu: '1', labels: { zone: 'b' } });
    const web = (name: string, cls: string, cpu: string, nodeName?: string): Pod => ({ ...pod(name, cpu, cls), metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: { ...pod(name, cpu, cls).spec, ...(nodeName ? { nodeName } : {}) } });
    for (const name of ['w-a1', 'w-a2', 'w-a3']) await f.client.create('pods', web(name, 'low', '100m', 'a'));
    // Zone b is full for the pod, with a pod that outranks it: b is out, whatever the spread.
    await f.client.create('pods', web('w-b1', 'high', '900m', 'b'));
    await f.settle();
    await f.readyAllPods();
    const vip = web('vip', 'high', '500m');
    (vip.spec as Record<string, unknown>).topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    await f.client.create('pods', vip);
    await f.settle();
    // In zone a it would make 4 against 1: two of a's low pods go (then 2 against 1), the third stays.
    const gone = (await f.pods()).filter((x) => x.metadata.deletionTimestamp).map((x) => x.metadata.name);
    expect(gone).toHaveLength(2);
    expect(gone.every((n) => n?.startsWith('w-a'))).toBe(true);
    expect((await f.client.get<Pod>('pods', 'default', 'vip')).status?.nominatedNodeName).toBe('a');
    await f.finishTerminating();
    await f.settle();
    expect(await nodeOf('vip')).toBe('a');
  });

  it("keeps the room a preemption freed for the nominated pod: a lower-priority pod that comes meanwhile does not take it", async () => {
    await fullNode();
    await f.client.create('pods', pod('vip', '500m', 'high'));
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'vip')).status?.nominatedNodeName).toBe('a');
    await f.finishTerminating();
    // The victim is gone while the nominated pod still backs off; a newcomer of lower priority
    // would fit in the room unless it counts as the nominated pod's.
    await f.client.create('pods', pod('sneak', '400m', 'low'));
    await f.settle();
    expect(await nodeOf('sneak')).toBeUndefined();
    await f.advance(15_000);
    await f.settle();
    expect(await nodeOf('vip')).toBe('a');
    expect(await nodeOf('sneak')).toBeUndefined();
  });

  it("takes the nomination from a lower-priority pod nominated to the node it preempts on", async () => {
    await f.client.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'mid' }, value: 500 } as KubeObject);
    await fullNode();
    await f.client.create('pods', pod('middle', '500m', 'mid'));
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'middle')).status?.nominatedNodeName).toBe('a');
    // Its victim still terminates; a pod above it preempts the other low pod on the same node.
    await f.client.create('pods', pod('vip', '500m', 'high'));
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'vip')).status?.nominatedNodeName).toBe('a');
    expect((await f.client.get<Pod>('pods', 'default', 'middle')).status?.nominatedNodeName).toBeUndefined();
    expect((await f.pods()).filter((x) => x.metadata.deletionTimestamp).map((x) => x.metadata.name).sort()).toEqual(['low-1', 'low-2']);
    await f.finishTerminating();
    await f.advance(15_000);
    await f.settle();
    expect(await nodeOf('vip')).toBe('a');
  });
});
