import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container, Pod, PodSpec } from '../api/types.js';
import { getCondition } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture, type NodeSpecForTest } from '../controllers/testkit.js';
import { NODE_REASONS_ANNOTATION } from './scheduler.js';

const ONLY_SCHEDULER = { disabled: ['deployment', 'replicaset', 'endpoints', 'nodelifecycle', 'garbagecollector', 'namespace'] as const };

function pod(name: string, spec: Partial<PodSpec> = {}, requests?: Record<string, string>, owner?: string): Pod {
  const c: Container = { name: 'app', image: 'local/busybox:1' };
  if (requests) c.resources = { requests };
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: { containers: [c], ...spec } };
  if (owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, controller: true }];
  return p;
}

interface Case {
  name: string;
  nodes: Record<string, NodeSpecForTest>;
  /** Pods already bound (spec.nodeName set) or finished before the pod under test arrives. */
  existing?: { pod: Pod; phase?: 'Succeeded' | 'Running' }[];
  pod: Pod;
  /** Expected node, or the expected PodScheduled=False message. */
  node?: string;
  message?: string;
  reasons?: Record<string, string>;
}

const cases: Case[] = [
  { name: 'binds to the only Ready node', nodes: { a: { ready: false }, b: {} }, pod: pod('p'), node: 'b' },
  {
    name: 'explains each node that rejects the pod',
    nodes: { a: { cpu: '1', labels: { disk: 'ssd' } }, b: { cpu: '4', labels: { disk: 'hdd' } } },
    pod: pod('p', { nodeSelector: { disk: 'ssd' } }, { cpu: '2' }),
    message: "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.",
    reasons: { a: 'Insufficient cpu', b: "node(s) didn't match Pod's node affinity/selector" },
  },
  { name: 'skips cordoned nodes', nodes: { a: { unschedulable: true } }, pod: pod('p'), message: '0/1 nodes are available: 1 node(s) were unschedulable.' },
  { name: 'skips not-ready nodes', nodes: { a: { ready: false } }, pod: pod('p'), message: '0/1 nodes are available: 1 node(s) were not ready.' },
  {
    name: 'keeps out pods that do not tolerate a NoSchedule taint',
    nodes: { a: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } },
    pod: pod('p'),
    message: '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.',
  },
  {
    name: 'lets a tolerating pod onto a tainted node',
    nodes: { a: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }, b: { unschedulable: true } },
    pod: pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }),
    node: 'a',
  },
  {
    name: 'counts memory requested by pods already bound',
    nodes: { a: { memory: '1Gi' } },
    existing: [{ pod: pod('big', { nodeName: 'a' }, { memory: '768Mi' }) }],
    pod: pod('p', {}, { memory: '512Mi' }),
    message: '0/1 nodes are available: 1 Insufficient memory.',
  },
  {
    name: 'does not count finished pods',
    nodes: { a: { memory: '1Gi' } },
    existing: [{ pod: pod('done', { nodeName: 'a' }, { memory: '768Mi' }), phase: 'Succeeded' }],
    pod: pod('p', {}, { memory: '512Mi' }),
    node: 'a',
  },
  {
    name: 'reports cpu and memory together and too many pods',
    nodes: { a: { cpu: '500m', memory: '128Mi' }, b: { pods: '1' } },
    existing: [{ pod: pod('x', { nodeName: 'b' }) }],
    pod: pod('p', {}, { cpu: '1', memory: '256Mi' }),
    message: '0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods.',
  },
  {
    name: 'honours required node affinity expressions',
    nodes: { a: { labels: { zone: 'z1' } }, b: { labels: { zone: 'z2' } }, c: {} },
    pod: pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2', 'z3'] }] }] } } } }),
    node: 'b',
  },
  {
    name: 'prefers the least allocated node',
    nodes: { a: { cpu: '4', memory: '8Gi' }, b: { cpu: '4', memory: '8Gi' } },
    existing: [{ pod: pod('load', { nodeName: 'a' }, { cpu: '3', memory: '6Gi' }) }],
    pod: pod('p', {}, { cpu: '100m' }),
    node: 'b',
  },
  {
    name: 'spreads replicas of one controller before packing by resources',
    nodes: { a: { cpu: '8', memory: '16Gi' }, b: { cpu: '2', memory: '4Gi' } },
    existing: [{ pod: pod('web-1', { nodeName: 'a' }, { cpu: '100m' }, 'web') }],
    pod: pod('web-2', {}, { cpu: '100m' }, 'web'),
    node: 'b',
  },
  { name: 'with no nodes says so', nodes: {}, pod: pod('p'), message: 'no nodes available to schedule pods' },
];

describe('scheduler', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture({ ...ONLY_SCHEDULER, disabled: [...ONLY_SCHEDULER.disabled] });
  });
  afterEach(async () => {
    await f.dispose();
  });

  it.each(cases)('$name', async (c) => {
    for (const [name, spec] of Object.entries(c.nodes)) await f.addNode(name, spec);
    for (const e of c.existing ?? []) {
      const created = await f.client.create('pods', e.pod);
      if (e.phase) await f.client.updateStatus('pods', { ...created, status: { phase: e.phase } });
    }
    await f.settle();
    await f.client.create('pods', c.pod);
    await f.settle();
    const got = await f.client.get<Pod>('pods', 'default', c.pod.metadata.name ?? '');
    if (c.node) {
      expect(got.spec.nodeName).toBe(c.node);
      const ev = await f.events('Scheduled');
      expect(ev.map((e) => e.message)).toContain(`Successfully assigned default/${got.metadata.name} to ${c.node}`);
      return;
    }
    expect(got.spec.nodeName).toBeUndefined();
    const cond = getCondition(got.status?.conditions, 'PodScheduled');
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: c.message });
    expect(got.status?.phase).toBe('Pending');
    const failed = await f.events('FailedScheduling');
    expect(failed.map((e) => e.message)).toEqual([c.message]);
    if (c.reasons) expect(JSON.parse(got.metadata.annotations?.[NODE_REASONS_ANNOTATION] ?? '{}')).toEqual(c.reasons);
  });

  it('leaves pods for other schedulers and pods that name their node', async () => {
    await f.addNode('a');
    await f.client.create('pods', pod('other', { schedulerName: 'my-scheduler' }));
    await f.client.create('pods', pod('pinned', { nodeName: 'ghost' }));
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'other')).spec.nodeName).toBeUndefined();
    expect((await f.client.get<Pod>('pods', 'default', 'pinned')).spec.nodeName).toBe('ghost');
    expect(await f.events()).toEqual([]);
  });

  it('leaves a gated pod unscheduled, saying why, until its last scheduling gate is removed', async () => {
    await f.addNode('a');
    const gates = [{ name: 'example.com/quota' }, { name: 'example.com/image' }];
    const scheduler = f.mgr.loops.find((l) => l.name === 'default-scheduler');
    const runs = scheduler?.runs();
    await f.client.create('pods', pod('gated', { schedulingGates: gates }));
    await f.settle();
    await f.advance(60_000);
    // Never queued (not merely refused at binding): no scheduling cycle ran for it.
    expect(scheduler?.runs()).toBe(runs);
    let got = await f.client.get<Pod>('pods', 'default', 'gated');
    expect(got.spec.nodeName).toBeUndefined();
    expect(getCondition(got.status?.conditions, 'PodScheduled')).toMatchObject({ status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' });
    expect(await f.events()).toEqual([]);
    // Not even a binding goes through while it is gated.
    await expect(f.client.bind('default', 'gated', 'a')).rejects.toMatchObject({ code: 409, message: 'Operation cannot be fulfilled on pods "gated": pod gated has non-empty .spec.schedulingGates' });
    // Gates are only ever removed: one left still holds it.
    await f.client.patch('pods', 'default', 'gated', 'merge', { spec: { schedulingGates: [gates[1]] } });
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'gated')).spec.nodeName).toBeUndefined();
    await f.client.patch('pods', 'default', 'gated', 'merge', { spec: { schedulingGates: [] } });
    await f.settle();
    got = await f.client.get<Pod>('pods', 'default', 'gated');
    expect(got.spec.nodeName).toBe('a');
    expect(getCondition(got.status?.conditions, 'PodScheduled')?.status).toBe('True');
  });

  it("retries a pod whose affinity term selects namespaces by label when a namespace's labels change", async () => {
    await f.addNode('a', { labels: { zone: 'a' } });
    await f.addNode('b', { labels: { zone: 'b' } });
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await f.client.create('pods', { ...pod('db', { nodeName: 'b' }), metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } } });
    const term = { labelSelector: { matchLabels: { app: 'db' } }, namespaceSelector: { matchLabels: { team: 'a' } }, topologyKey: 'zone' };
    await f.client.create('pods', pod('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } }));
    await f.settle();
    expect(getCondition((await f.client.get<Pod>('pods', 'default', 'web')).status?.conditions, 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    await f.client.patch('namespaces', undefined, 'shop', 'merge', { metadata: { labels: { team: 'a' } } });
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'web')).spec.nodeName).toBe('b');
  });

  it('records a malformed node affinity once and does not bind', async () => {
    await f.addNode('a');
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['x'] }] }] } } };
    await f.client.create('pods', pod('bad', { affinity }));
    await f.settle();
    await f.advance(60_000);
    expect((await f.client.get<Pod>('pods', 'default', 'bad')).spec.nodeName).toBeUndefined();
    const ev = await f.events('FailedScheduling');
    expect(ev.map((e) => [e.message, e.count])).toEqual([['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: "Near"', 1]]);
  });

  it('retries an unschedulable pod when a node appears, then clears its marks', async () => {
    await f.addNode('small', { cpu: '1' });
    await f.client.create('pods', pod('p', {}, { cpu: '2' }));
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'p')).spec.nodeName).toBeUndefined();
    await f.addNode('big', { cpu: '4' });
    await f.settle();
    const got = await f.client.get<Pod>('pods', 'default', 'p');
    expect(got.spec.nodeName).toBe('big');
    expect(getCondition(got.status?.conditions, 'PodScheduled')?.status).toBe('True');
    expect(got.metadata.annotations?.[NODE_REASONS_ANNOTATION]).toBeUndefined();
  });

  it('parks an unschedulable pod until resources are freed or 5 minutes pass, aggregating FailedScheduling events', async () => {
    await f.addNode('a', { cpu: '1' });
    await f.client.create('pods', pod('hog', { nodeName: 'a' }, { cpu: '1' }));
    await f.client.create('pods', pod('p', {}, { cpu: '500m' }));
    await f.settle();
    // Parked: nothing that could help happened, so no retry (and no new event) for minutes...
    await f.advance(60_000);
    expect((await f.events('FailedScheduling'))[0]?.count ?? 1).toBe(1);
    // ...until kube-scheduler's podMaxInUnschedulablePodsDuration (5 min) moves it anyway.
    for (let i = 0; i < 10; i++) await f.advance(30_000);
    const ev = await f.events('FailedScheduling');
    expect(ev).toHaveLength(1);
    expect(ev[0]?.count).toBeGreaterThanOrEqual(2);
    await f.client.delete('pods', 'default', 'hog', { gracePeriodSeconds: 0 });
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'p')).spec.nodeName).toBe('a');
  });

  it('spreads a workload evenly and never overcommits across back-to-back cycles', async () => {
    await f.addNode('a', { cpu: '1' });
    await f.addNode('b', { cpu: '1' });
    await f.addNode('c', { cpu: '1' });
    for (let i = 0; i < 7; i++) await f.client.create('pods', pod(`web-${i}`, {}, { cpu: '300m' }, 'web'));
    await f.settle();
    const placed = (await f.pods()).map((p) => p.spec.nodeName);
    const per = (n: string) => placed.filter((x) => x === n).length;
    // 3 fit per node (900m of 1000m): 7 pods spread 3/2/2 in some order, none left over.
    expect([per('a'), per('b'), per('c')].sort()).toEqual([2, 2, 3]);
  });
});

describe('scheduler with bindings in flight', () => {
  it('keeps cycling while bindings wait, never double-books a node, and retries a failed binding', async () => {
    const { memoryCluster } = await import('../testing/memoryCluster.js');
    const { startScheduler } = await import('./scheduler.js');
    const { silentLogger } = await import('../util/logger.js');
    const { flush } = await import('../util/clock.js');
    const c = await memoryCluster();
    // Bindings wait at a gate the test opens, so the cycles run while they are all in flight;
    // the first binding of p-0 fails once, as a store error would.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let inFlight = 0;
    let peak = 0;
    let failedOnce = false;
    const client = Object.create(c.client) as typeof c.client;
    client.bind = async (ns, name, node) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await gate;
      inFlight--;
      if (name === 'p-0' && !failedOnce) {
        failedOnce = true;
        throw new Error('disk I/O error');
      }
      return c.client.bind(ns, name, node);
    };
    const s = startScheduler({ client, clock: c.clock, log: silentLogger, options: { parallelBinds: 16 } });
    const now = new Date(c.clock.now()).toISOString();
    for (const n of ['a', 'b']) {
      await c.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '3' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now }] } });
    }
    for (let i = 0; i < 8; i++) await c.client.create('pods', pod(`p-${i}`));
    for (let i = 0; i < 50 && peak < 6; i++) await flush();
    // Six fit (3 per node); all six bindings wait at once; the other two found no room.
    expect(peak).toBe(6);
    open();
    const bound = async () => (await c.client.list<Pod>('pods')).items.filter((p) => p.spec.nodeName);
    for (let i = 0; i < 100 && (await bound()).length < 6; i++) {
      await flush();
      await c.clock.advance(1_000);
      await s.loop.idle();
    }
    const placed = (await bound()).map((p) => p.spec.nodeName);
    expect(placed.filter((n) => n === 'a')).toHaveLength(3);
    expect(placed.filter((n) => n === 'b')).toHaveLength(3);
    expect(failedOnce).toBe(true);
    expect((await c.client.get<Pod>('pods', 'default', 'p-0')).spec.nodeName).toBeDefined();
    await s.dispose();
    c.dispose();
  });
});

describe('startScheduler (standalone, own informers)', () => {
  it('binds a pending pod', async () => {
    const { memoryCluster } = await import('../testing/memoryCluster.js');
    const { startScheduler } = await import('./scheduler.js');
    const { silentLogger } = await import('../util/logger.js');
    const { flush } = await import('../util/clock.js');
    const c = await memoryCluster();
    const s = startScheduler({ client: c.client, clock: c.clock, log: silentLogger });
    const now = new Date(c.clock.now()).toISOString();
    await c.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'solo' }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now }] } });
    await c.client.create('pods', pod('p'));
    for (let i = 0; i < 20 && !(await c.client.get<Pod>('pods', 'default', 'p')).spec.nodeName; i++) {
      await flush();
      await s.loop.idle();
    }
    expect((await c.client.get<Pod>('pods', 'default', 'p')).spec.nodeName).toBe('solo');
    await s.dispose();
    c.dispose();
  });
});
