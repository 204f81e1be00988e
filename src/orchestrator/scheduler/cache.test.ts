import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../api/types.js';
import { SchedulerCache } from './cache.js';
import { CycleState, numFeasibleNodesToFind, runFilters, type Plugin } from './framework.js';

function node(name: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
}

function pod(name: string, nodeName?: string, cpu = '100m', owner?: string, affinity = false): Pod {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }], ...(nodeName ? { nodeName } : {}) } };
  if (owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }];
  if (affinity) p.spec.affinity = { podAntiAffinity: {} };
  return p;
}

describe('SchedulerCache (incremental per-node aggregates)', () => {
  it('adds, moves and removes pods, keeping every sum right', () => {
    const c = new SchedulerCache();
    const nodes = [node('a'), node('b')];
    c.update(pod('p1', 'a', '100m', 'rs1'));
    c.update(pod('p2', 'a', '200m', 'rs1', true));
    c.update(pod('p3', 'b', '1'));
    let [a, b] = c.nodeInfos(nodes);
    expect(a).toMatchObject({ podCount: 2, requested: { milliCPU: 300 } });
    expect(a?.ownerCounts.get('rs1')).toBe(2);
    expect(a?.podsWithAffinity.map((p) => p.metadata.name)).toEqual(['p2']);
    expect(b).toMatchObject({ podCount: 1, requested: { milliCPU: 1000 } });
    // A finished pod no longer counts; a deleted one neither.
    c.update({ ...pod('p1', 'a', '100m', 'rs1'), status: { phase: 'Succeeded' } });
    c.remove('default/p3');
    [a, b] = c.nodeInfos(nodes);
    expect(a).toMatchObject({ podCount: 1, requested: { milliCPU: 200 } });
    expect(a?.ownerCounts.get('rs1')).toBe(1);
    expect(b).toMatchObject({ podCount: 0, requested: { milliCPU: 0 }, pods: [] });
  });

  it('reuses a node snapshot until that node or its pods change', () => {
    const c = new SchedulerCache();
    const nodes = [node('a'), node('b')];
    c.update(pod('p1', 'a'));
    const [a1] = c.nodeInfos(nodes);
    const [a2, b2] = c.nodeInfos(nodes);
    expect(a2).toBe(a1);
    expect(b2?.podCount).toBe(0);
    c.update(pod('p2', 'a'));
    const [a3] = c.nodeInfos(nodes);
    expect(a3).not.toBe(a1);
    expect(a3?.podCount).toBe(2);
    expect(a1?.podCount).toBe(1); // an older cycle's snapshot is never changed under it
    const [a4] = c.nodeInfos([{ ...node('a'), status: { allocatable: { cpu: '1', pods: '10' } } }]);
    expect(a4?.allocatable).toMatchObject({ milliCPU: 1000, pods: 10 });
  });

  it('keeps an assumption against a stale unbound event, and forgets it only while assumed', () => {
    const c = new SchedulerCache();
    c.assume(pod('p'), 'a');
    c.update(pod('p'));
    expect(c.isAssumed('default/p')).toBe(true);
    expect(c.nodeInfos([node('a')])[0]?.podCount).toBe(1);
    c.forget('default/p');
    expect(c.nodeInfos([node('a')])[0]?.podCount).toBe(0);
    // Once the informer shows it bound, a late forget (a failed duplicate binding) leaves it.
    c.assume(pod('q'), 'a');
    c.update(pod('q', 'a'));
    c.forget('default/q');
    expect(c.nodeInfos([node('a')])[0]?.podCount).toBe(1);
  });
});

describe('numFeasibleNodesToFind (percentageOfNodesToScore)', () => {
  it.each([
    [50, 0, 50],
    [99, 0, 99],
    [100, 0, 100],
    [200, 0, 100], // 49% of 200 is 98: never fewer than 100
    [1000, 0, 420], // 50 - 8 = 42%
    [10_000, 0, 500], // floor of 5%
    [1000, 30, 300],
    [1000, 100, 1000],
  ])('%d nodes at %d%% -> %d', (n, pct, want) => {
    expect(numFeasibleNodesToFind(n, pct)).toBe(want);
  });
});

describe('runFilters with a limit', () => {
  const nodes = new SchedulerCache().nodeInfos(['a', 'b', 'c', 'd', 'e'].map(node));
  const rejectB: Plugin = { name: 'NoB', filter: (_s, _p, n) => (n.name === 'b' ? ['no b'] : []) };
  const rejectAll: Plugin = { name: 'None', filter: () => ['full'] };

  it('stops once enough nodes fit, starting where the last cycle stopped', () => {
    const r = runFilters([rejectB], new CycleState(), pod('p'), nodes, { limit: 2, start: 4 });
    expect(r.feasible.map((n) => n.name)).toEqual(['e', 'a']);
    expect(r.processed).toBe(2);
    const r2 = runFilters([rejectB], new CycleState(), pod('p'), nodes, { limit: 2, start: 1 });
    expect(r2.feasible.map((n) => n.name)).toEqual(['c', 'd']);
    expect([...r2.reasons]).toEqual([['b', ['no b']]]);
  });

  it('checks every node, with every reason, when the pod fits nowhere', () => {
    const r = runFilters([rejectAll], new CycleState(), pod('p'), nodes, { limit: 2, start: 3 });
    expect(r.feasible).toEqual([]);
    expect(r.processed).toBe(5);
    expect([...r.reasons.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
