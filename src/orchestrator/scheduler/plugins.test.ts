import { describe, expect, it } from 'vitest';
import type { Node, Pod, PodSpec } from '../api/types.js';
import { SharedInformers } from '../client/SharedInformers.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { flush } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { SchedulerCache } from './cache.js';
import { CycleState, fitErrorMessage, runFilters, runPreFilters, selectHost, type NodeInfo, type Plugin } from './framework.js';
import { defaultPlugins } from './registry.js';

function node(name: string, labels: Record<string, string> = {}, allocatable: Record<string, string> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110', ...allocatable }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, labels: Record<string, string>, spec: Partial<PodSpec> = {}, nodeName?: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec, ...(nodeName ? { nodeName } : {}) } };
}

/** Runs one scheduling cycle of the default plugins; returns the chosen node or the reasons per node. */
/** The default plugins with their SKIP answers ignored: every filter and score runs on every node. */
const unskipped = (): Plugin[] =>
  defaultPlugins().map((pl) => ({
    ...pl,
    ...(pl.preFilter ? { preFilter: (s: CycleState, p: Pod, n: readonly NodeInfo[]) => void pl.preFilter?.(s, p, n) } : {}),
    ...(pl.preScore ? { preScore: (s: CycleState, p: Pod, n: NodeInfo[]) => void pl.preScore?.(s, p, n) } : {}),
  }));

/** One cycle: the chosen node, the reasons per node, each feasible node's total score, and what was skipped. */
function cycle(plugins: readonly Plugin[], nodes: Node[], placed: Pod[], p: Pod) {
  const cache = new SchedulerCache();
  for (const x of placed) cache.update(x);
  const infos = cache.nodeInfos(nodes);
  const state = new CycleState();
  runPreFilters(plugins, state, p, infos);
  const { feasible, reasons } = runFilters(plugins, state, p, infos);
  const best = selectHost(plugins, state, p, feasible);
  return { best, reasons, infos, skipped: [...state.skipFilter, ...[...state.skipScore].map((n) => `${n}/score`)] };
}

/**
 * Runs one scheduling cycle of the default plugins; returns the chosen node or the reasons per node.
 * Every cycle also runs with no plugin skipping anything, and must come out the same, scores
 * included: a SKIP answer only leaves out work whose answer was known.
 */
function schedule(nodes: Node[], placed: Pod[], p: Pod): { node?: string; reasons: Record<string, string>; message: string; skipped: string[] } {
  const { best, reasons, infos, skipped } = cycle(defaultPlugins(), nodes, placed, p);
  const full = cycle(unskipped(), nodes, placed, p);
  expect(full.skipped).toEqual([]);
  expect(best?.node.name).toBe(full.best?.node.name);
  expect(best?.scores()).toEqual(full.best?.scores());
  expect(reasons).toEqual(full.reasons);
  return { ...(best ? { node: best.node.name } : {}), reasons: Object.fromEntries([...reasons].map(([n, r]) => [n, r.join('; ')])), message: fitErrorMessage(infos.length, reasons), skipped };
}

const zones = [node('a1', { zone: 'a' }), node('a2', { zone: 'a' }), node('b1', { zone: 'b' })];
const term = (labels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels: labels }, topologyKey });

interface Case {
  name: string;
  nodes?: Node[];
  placed?: Pod[];
  pod: Pod;
  node?: string;
  reasons?: Record<string, string>;
}

const cases: Case[] = [
  {
    name: 'required pod affinity by zone: only the zone holding a match',
    placed: [pod('db', { app: 'db' }, {}, 'b1')],
    pod: pod('web', { app: 'web' }, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone')] } } }),
    node: 'b1',
    reasons: { a1: "node(s) didn't match pod affinity rules", a2: "node(s) didn't match pod affinity rules" },
  },
  {
    name: 'required pod affinity with no match anywhere: the first of its group goes anywhere',
    pod: pod('web', { app: 'web' }, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } } }),
    node: 'a1',
  },
  {
    name: 'required pod affinity with no match and not self-matching: nowhere',
    pod: pod('web', { app: 'web' }, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone')] } } }),
    reasons: { a1: "node(s) didn't match pod affinity rules", a2: "node(s) didn't match pod affinity rules", b1: "node(s) didn't match pod affinity rules" },
  },
  {
    name: 'required anti-affinity by hostname: one per node',
    placed: [pod('w1', { app: 'web' }, {}, 'a1'), pod('w2', { app: 'web' }, {}, 'a2')],
    pod: pod('w3', { app: 'web' }, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'kubernetes.io/hostname')] } } }),
    node: 'b1',
    reasons: { a1: "node(s) didn't match pod anti-affinity rules", a2: "node(s) didn't match pod anti-affinity rules" },
  },
  {
    name: "an existing pod's anti-affinity keeps matching pods out of its zone (symmetry)",
    placed: [pod('loner', { app: 'loner' }, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } } }, 'a1')],
    pod: pod('web', { app: 'web' }),
    node: 'b1',
    reasons: { a1: "node(s) didn't satisfy existing pods anti-affinity rules", a2: "node(s) didn't satisfy existing pods anti-affinity rules" },
  },
  {
    name: 'preferred affinity wins over spreading',
    placed: [pod('cache', { app: 'cache' }, {}, 'a2')],
    pod: pod('web', { app: 'web' }, { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'cache' }, 'kubernetes.io/hostname') }] } } }),
    node: 'a2',
  },
  {
    name: 'preferred anti-affinity steers away',
    placed: [pod('n1', { app: 'noisy' }, {}, 'a1'), pod('n2', { app: 'noisy' }, {}, 'a2')],
    pod: pod('web', { app: 'web' }, { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'noisy' }, 'zone') }] } } }),
    node: 'b1',
  },
  {
    name: "a placed pod's preferred affinity for the pod draws it to its domain (symmetric scoring)",
    placed: [pod('cache', { app: 'cache' }, { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'web' }, 'kubernetes.io/hostname') }] } } }, 'a2')],
    pod: pod('web', { app: 'web' }),
    node: 'a2',
  },
  {
    name: "a placed pod's preferred anti-affinity pushes the pod out of its zone, against least-allocated",
    nodes: [node('a1', { zone: 'a' }), node('b1', { zone: 'b' })],
    placed: [
      pod('busy', { app: 'busy' }, { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' } } }] }, 'a1'),
      pod('noisy', { app: 'noisy' }, { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'web' }, 'zone') }] } } }, 'b1'),
    ],
    pod: pod('web', { app: 'web' }),
    node: 'a1',
  },
  {
    name: "a placed pod's required affinity for the pod weighs for its zone (hardPodAffinityWeight)",
    placed: [pod('db', { app: 'db' }, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } } }, 'b1')],
    pod: pod('web', { app: 'web' }),
    node: 'b1',
  },
  {
    name: 'topology spread DoNotSchedule: maxSkew 1 across zones',
    placed: [pod('w1', { app: 'web' }, {}, 'a1'), pod('w2', { app: 'web' }, {}, 'a2')],
    pod: pod('w3', { app: 'web' }, { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] } as Partial<PodSpec>),
    node: 'b1',
    reasons: { a1: "node(s) didn't match pod topology spread constraints", a2: "node(s) didn't match pod topology spread constraints" },
  },
  {
    name: 'topology spread: a node without the key is out',
    nodes: [node('a1', { zone: 'a' }), node('x')],
    pod: pod('w', { app: 'web' }, { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] } as Partial<PodSpec>),
    node: 'a1',
    reasons: { x: "node(s) didn't match pod topology spread constraints (missing required label)" },
  },
  {
    name: 'topology spread minDomains: with fewer domains than asked, the minimum is 0',
    nodes: [node('a1', { zone: 'a' }), node('a2', { zone: 'a' })],
    placed: [pod('w1', { app: 'web' }, {}, 'a1')],
    pod: pod('w2', { app: 'web' }, { topologySpreadConstraints: [{ maxSkew: 1, minDomains: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] } as Partial<PodSpec>),
    reasons: { a1: "node(s) didn't match pod topology spread constraints", a2: "node(s) didn't match pod topology spread constraints" },
  },
  {
    name: 'topology spread ScheduleAnyway prefers the emptier zone but never refuses',
    placed: [pod('w1', { app: 'web' }, {}, 'b1')],
    pod: pod('w2', { app: 'web' }, { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] } as Partial<PodSpec>),
    node: 'a1',
  },
  {
    name: 'hostPort conflicts on the same port and protocol',
    nodes: [node('a1'), node('b1')],
    placed: [pod('dns', { app: 'dns' }, { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }] }] }, 'a1')],
    pod: pod('dns2', { app: 'dns' }, { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }] }] }),
    node: 'b1',
    reasons: { a1: "node(s) didn't have free ports for the requested pod ports" },
  },
  {
    name: 'the same hostPort on another protocol is free',
    nodes: [node('a1')],
    placed: [pod('dns', { app: 'dns' }, { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }] }] }, 'a1')],
    pod: pod('tcp', { app: 'x' }, { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 53, hostPort: 53, protocol: 'TCP' }] }] }),
    node: 'a1',
  },
  {
    name: 'extended resources: only nodes that advertise enough',
    nodes: [node('cpu-only'), node('gpu', {}, { 'nvidia.com/gpu': '2' })],
    placed: [pod('g1', { app: 'g' }, { containers: [{ name: 'c', image: 'x', resources: { requests: { 'nvidia.com/gpu': '1' } } }] }, 'gpu')],
    pod: pod('g2', { app: 'g' }, { containers: [{ name: 'c', image: 'x', resources: { requests: { 'nvidia.com/gpu': '2' } } }] }),
    reasons: { 'cpu-only': 'Insufficient nvidia.com/gpu', gpu: 'Insufficient nvidia.com/gpu' },
  },
  {
    name: 'extended resources: fits what is left',
    nodes: [node('cpu-only'), node('gpu', {}, { 'nvidia.com/gpu': '2' })],
    placed: [pod('g1', { app: 'g' }, { containers: [{ name: 'c', image: 'x', resources: { requests: { 'nvidia.com/gpu': '1' } } }] }, 'gpu')],
    pod: pod('g2', { app: 'g' }, { containers: [{ name: 'c', image: 'x', resources: { requests: { 'nvidia.com/gpu': '1' } } }] }),
    node: 'gpu',
    reasons: { 'cpu-only': 'Insufficient nvidia.com/gpu' },
  },
  {
    // 3 cpu asked by the app container and 2 by a sidecar beside it: 5 together, more than 4.
    name: "a sidecar's requests add to the app containers' (they run together)",
    nodes: [node('a1')],
    pod: pod('web', { app: 'web' }, { initContainers: [{ name: 'proxy', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '2' } } }], containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '3' } } }] }),
    reasons: { a1: 'Insufficient cpu' },
  },
  {
    // A plain init container runs before the app, alone: the pod needs the larger of the two.
    name: 'a plain init container only counts as a peak',
    nodes: [node('a1')],
    pod: pod('web', { app: 'web' }, { initContainers: [{ name: 'setup', image: 'x', resources: { requests: { cpu: '2' } } }], containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '3' } } }] }),
    node: 'a1',
  },
  {
    // The migration runs after the sidecar started: 1 + 3.5 cpu at once.
    name: 'an init container runs beside the sidecars declared before it',
    nodes: [node('a1')],
    pod: pod('web', { app: 'web' }, {
      initContainers: [
        { name: 'proxy', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } },
        { name: 'migrate', image: 'x', resources: { requests: { cpu: '3500m' } } },
      ],
    }),
    reasons: { a1: 'Insufficient cpu' },
  },
  {
    name: 'a sidecar asking for an extended resource holds it beside the app',
    nodes: [node('gpu', {}, { 'nvidia.com/gpu': '1' })],
    pod: pod('g', { app: 'g' }, { initContainers: [{ name: 'warm', image: 'x', restartPolicy: 'Always', resources: { requests: { 'nvidia.com/gpu': '1' } } }], containers: [{ name: 'c', image: 'x', resources: { requests: { 'nvidia.com/gpu': '1' } } }] }),
    reasons: { gpu: 'Insufficient nvidia.com/gpu' },
  },
];

describe('scheduler plugins: affinity, spread, ports, extended resources', () => {
  it.each(cases)('$name', (c) => {
    const r = schedule(c.nodes ?? zones, c.placed ?? [], c.pod);
    expect(r.node).toBe(c.node);
    expect(r.reasons).toEqual(c.reasons ?? {});
  });

  it('counts the reasons in the FailedScheduling message', () => {
    const r = schedule(zones, [pod('w1', { app: 'web' }, {}, 'a1'), pod('w2', { app: 'web' }, {}, 'a2'), pod('w3', { app: 'web' }, {}, 'b1')], pod('w4', { app: 'web' }, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'kubernetes.io/hostname')] } } }));
    expect(r.message).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
  });

  it('skips, per cycle, the filters and scores a plain pod asks nothing of; a pod that asks keeps them', () => {
    // A pod with no selector, affinity, host port, claim or extended resource: only the filters
    // that depend on the nodes themselves (cordon, readiness, taints, room) run.
    expect(schedule(zones, [], pod('plain', { app: 'p' })).skipped.sort()).toEqual(
      ['ExtendedResources', 'InterPodAffinity', 'InterPodAffinity/score', 'NodeAffinity', 'NodeAffinity/score', 'NodeName', 'NodePorts', 'PodTopologySpread', 'PodTopologySpread/score', 'VolumeBinding'].sort(),
    );
    // A placed pod's anti-affinity against it keeps InterPodAffinity's filter in the cycle.
    const anti = pod('a', { app: 'web' }, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } } }, 'a1');
    const r = schedule(zones, [anti], pod('w', { app: 'web' }));
    expect(r.skipped).not.toContain('InterPodAffinity');
    expect(r.node).toBe('b1');
    const asks = pod('asks', { app: 'p' }, { nodeSelector: { zone: 'a' }, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }], topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'p' } } }] });
    const k = schedule(zones, [], asks).skipped;
    for (const name of ['NodeAffinity', 'NodePorts', 'PodTopologySpread/score']) expect(k).not.toContain(name);
  });

  it("reads a term's namespaceSelector against the namespaces' labels (the scheduler's informer)", async () => {
    const c = await memoryCluster();
    const informers = new SharedInformers(c.client, c.clock, silentLogger);
    informers.get('namespaces');
    informers.start();
    try {
      for (const [name, team] of [['shop', 'a'], ['lab', 'b']] as const) await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team } } });
      await informers.waitForSync();
      await flush();
      const inNs = (p: Pod, ns: string): Pod => ({ ...p, metadata: { ...p.metadata, namespace: ns } });
      const placed = [inNs(pod('db-a', { app: 'db' }, {}, 'b1'), 'shop'), inNs(pod('db-b', { app: 'db' }, {}, 'a1'), 'lab')];
      const run = (namespaceSelector: Record<string, unknown>, anti = false) => {
        const t = { ...term({ app: 'db' }, 'zone'), namespaceSelector };
        const affinity = anti ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } } : { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } };
        const cache = new SchedulerCache();
        for (const x of placed) cache.update(x);
        const infos = cache.nodeInfos(zones);
        const state = new CycleState({ informers, client: c.client });
        const p = pod('web', { app: 'web' }, { affinity });
        runPreFilters(defaultPlugins(), state, p, infos);
        const { feasible } = runFilters(defaultPlugins(), state, p, infos);
        return feasible.map((n) => n.name).sort();
      };
      // Only the db in a namespace labelled team=a counts: its zone (b).
      expect(run({ matchLabels: { team: 'a' } })).toEqual(['b1']);
      expect(run({ matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] })).toEqual(['a1', 'a2']);
      // No namespace matches: nothing to be near, and the pod does not match its own term.
      expect(run({ matchLabels: { team: 'c' } })).toEqual([]);
      // `{}` selects every namespace: both zones hold a db, so anti-affinity leaves no node.
      expect(run({}, true)).toEqual([]);
      expect(run({ matchLabels: { team: 'b' } }, true)).toEqual(['b1']);
    } finally {
      informers.stop();
      c.dispose();
    }
  });
});
