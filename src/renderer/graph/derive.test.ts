import { describe, expect, it } from 'vitest';
import type { Deployment, Job, Pod, ReplicaSet } from '../../orchestrator/api/types.js';
import { byKey, endpoints, ingress, node, pod, service, type PodOpts } from '../testing/fixtures.js';
import { cardKeyOf, derive, EXPAND_UP_TO, MANY_PODS, type DeriveInput } from './derive.js';
import type { IngressFlowNode, NodeCardFlowNode, PodFlowNode, ServiceFlowNode, SkiffNode, WorkloadFlowNode } from './types.js';

const empty: DeriveInput = { nodes: {}, pods: {}, services: {}, endpoints: {}, replicasets: {}, jobs: {} };
const find = (nodes: SkiffNode[], id: string) => nodes.find((n) => n.id === id);

/** A pod of ReplicaSet `rs` (which belongs to Deployment `deploy` when given). */
function owned(name: string, rs: string, o: PodOpts = {}): Pod {
  const p = pod(name, o);
  return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `${rs}-uid`, controller: true }] } };
}
const replicaset = (name: string, deploy: string): ReplicaSet =>
  ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploy, uid: `${deploy}-uid`, controller: true }] }, spec: { selector: {} } }) as unknown as ReplicaSet;
/** A Job, of CronJob `cron` when given. */
const job = (name: string, cron?: string): Job =>
  ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default', ...(cron ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cron, uid: `${cron}-uid`, controller: true }] } : {}) }, spec: { template: { spec: { containers: [] } } } }) as unknown as Job;

describe('derive', () => {
  it('draws an Ingress with an edge to each Service it routes to, saying which routed Services do not exist', () => {
    const g = derive({
      ...empty,
      pods: byKey(pod('w1', { labels: { app: 'web' }, phase: 'Running' })),
      services: byKey(service('web', { app: 'web' }), service('api', { app: 'api' }), service('other', { app: 'web' }, 'shop')),
      endpoints: byKey(endpoints('web', [{ ip: '10.0.0.1', pod: 'w1' }])),
      ingresses: byKey(
        ingress('site', [{ host: 'a.test', paths: [['/', 'web'], ['/api', 'api']] }, { host: 'b.test', paths: [['/', 'web']] }, { paths: [['/x', 'gone']] }], { address: '192.0.2.2', tls: ['a.test'], className: 'skiff' }),
        ingress('other', [{ paths: [['/', 'other']] }], { ns: 'shop' }),
      ),
    });
    const site = find(g.nodes, 'ing:default/site') as IngressFlowNode;
    expect(site.type).toBe('ingress');
    expect(site.data).toMatchObject({ name: 'site', namespace: 'default', hosts: ['a.test', 'b.test', '*'], tlsHosts: ['a.test'], className: 'skiff', addresses: ['192.0.2.2'], routes: 4, missingServices: ['gone'] });
    const from = (id: string) => g.edges.filter((e) => e.source === id).map((e) => [e.target, e.data?.count, e.data?.ready]);
    // Two routes to web (which has a ready endpoint), one to api (none); none to the missing Service.
    expect(from('ing:default/site')).toEqual([
      ['svc:default/web', 2, true],
      ['svc:default/api', 1, false],
    ]);
    // An Ingress reaches Services of its own namespace only.
    expect(from('ing:shop/other')).toEqual([['svc:shop/other', 1, false]]);
    expect((find(g.nodes, 'ing:shop/other') as IngressFlowNode).data.addresses).toEqual([]);
    // Without ingresses in the input, none are drawn.
    expect(derive({ ...empty, services: byKey(service('web', { app: 'web' })) }).nodes.some((n) => n.type === 'ingress')).toBe(false);
  });

  it("groups a Deployment's pods (across ReplicaSets and nodes) into one card, parents before children", () => {
    const g = derive({
      ...empty,
      nodes: byKey(node('b'), node('a')),
      replicasets: byKey(replicaset('web-1', 'web'), replicaset('web-2', 'web')),
      pods: byKey(owned('w2', 'web-2', { nodeName: 'b', phase: 'Running' }), owned('w1', 'web-1', { nodeName: 'a' }), pod('solo', { nodeName: 'a', phase: 'Running' })),
    });
    expect(g.nodes.map((n) => n.id)).toEqual(['node:a', 'node:b', 'wl:Deployment/default/web', 'pod:default/w1', 'pod:default/w2', 'wl:Pod/default/', 'pod:default/solo']);
    const card = find(g.nodes, 'wl:Deployment/default/web') as WorkloadFlowNode;
    expect(card.data).toMatchObject({ kind: 'Deployment', name: 'web', podCount: 2, nodeCount: 2, collapsed: false, phases: { running: 1, pending: 1 } });
    expect((find(g.nodes, 'pod:default/w1') as PodFlowNode).parentId).toBe('wl:Deployment/default/web');
    expect((find(g.nodes, 'pod:default/w1') as PodFlowNode).data.node).toBe('a');
    expect((find(g.nodes, 'node:a') as NodeCardFlowNode).data).toMatchObject({ podCount: 2, phases: { running: 1, pending: 1 } });
  });

  it("says on a Deployment's card how its rollout stands, only while it is under way, paused or stuck", () => {
    const deployment = (name: string, status: Deployment['status'], paused = false): Deployment => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default', generation: 2 },
      spec: { replicas: 2, paused, selector: { matchLabels: { app: name } }, template: { spec: { containers: [] } } },
      status,
    });
    const input: DeriveInput = {
      ...empty,
      replicasets: byKey(replicaset('web-1', 'web'), replicaset('web-2', 'web'), replicaset('api-1', 'api'), replicaset('db-1', 'db')),
      pods: byKey(owned('w1', 'web-1', { phase: 'Running' }), owned('w2', 'web-2', { phase: 'Pending' }), owned('a1', 'api-1', { phase: 'Running' }), owned('d1', 'db-1', { phase: 'Running' })),
      deployments: byKey(
        deployment('web', { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
        deployment('api', { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
        deployment('db', { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }, true),
      ),
    };
    const data = (name: string) => (find(derive(input).nodes, `wl:Deployment/default/${name}`) as WorkloadFlowNode).data;
    expect(data('web')).toMatchObject({ rollout: 'rollout stuck: deadline passed', rolloutStuck: true });
    expect(data('web').rolloutTitle).toBe('deployment "web" exceeded its progress deadline');
    expect(data('db')).toMatchObject({ rollout: 'paused, rolling out: 1 of 2 updated', rolloutStuck: false });
    // Rolled out: nothing added, so the card's data stays as it was.
    expect('rollout' in data('api')).toBe(false);
    // Without Deployments in the input (or with the Deployment not listed yet), no card says anything.
    expect('rollout' in (find(derive({ ...input, deployments: undefined }).nodes, 'wl:Deployment/default/web') as WorkloadFlowNode).data).toBe(false);
  });

  it('gives node and Service cards the part of their names that tells them apart, for far zoom', () => {
    const g = derive({
      ...empty,
      nodes: byKey(node('node-001'), node('node-002')),
      replicasets: byKey(replicaset('app-a-1', 'app-a'), replicaset('app-b-1', 'app-b')),
      pods: byKey(owned('a1', 'app-a-1', { nodeName: 'node-001' }), owned('b1', 'app-b-1', { nodeName: 'node-002' })),
      services: byKey(service('app-a', { app: 'a' }), service('app-b', { app: 'b' })),
    });
    const short = (id: string) => (find(g.nodes, id)?.data as { short?: string }).short;
    expect([short('node:node-001'), short('node:node-002')]).toEqual(['001', '002']);
    expect(short('wl:Deployment/default/app-a')).toBeUndefined();
    expect([short('svc:default/app-a'), short('svc:default/app-b')]).toEqual(['a', 'b']);
    // Names with nothing in common keep only their full name.
    expect((find(derive({ ...empty, nodes: byKey(node('desktop'), node('lab-w1')) }).nodes, 'node:desktop')?.data as { short?: string }).short).toBeUndefined();
  });

  it('collapses big cards and every card of a big cluster, unless the user or the selection opens it', () => {
    const pods = Array.from({ length: EXPAND_UP_TO + 1 }, (_, i) => owned(`p${i}`, 'rs'));
    const big = derive({ ...empty, pods: byKey(...pods) });
    expect((find(big.nodes, 'wl:ReplicaSet/default/rs') as WorkloadFlowNode).data.collapsed).toBe(true);
    expect(big.nodes.filter((n) => n.type === 'pod')).toHaveLength(0);
    const opened = derive({ ...empty, pods: byKey(...pods) }, { collapsed: { 'wl:ReplicaSet/default/rs': false } });
    expect(opened.nodes.filter((n) => n.type === 'pod')).toHaveLength(EXPAND_UP_TO + 1);
    const many = Array.from({ length: MANY_PODS + 1 }, (_, i) => owned(`m${i}`, `rs${i % 100}`));
    const g = derive({ ...empty, pods: byKey(...many) }, { expand: 'wl:ReplicaSet/default/rs7' });
    expect(g.nodes.filter((n) => n.type === 'workload' && !n.data.collapsed).map((n) => n.id)).toEqual(['wl:ReplicaSet/default/rs7']);
  });

  it('shows node readiness, cordoning, and cards for nodes that pods name but that do not exist', () => {
    const cordoned = node('c', 'True', { spec: { unschedulable: true } });
    const g = derive({ ...empty, nodes: byKey(node('a', 'True'), node('b', 'Unknown'), cordoned), pods: byKey(pod('x', { nodeName: 'gone' })) });
    const data = (id: string) => (find(g.nodes, id) as NodeCardFlowNode).data;
    expect(data('node:a').readiness).toBe('Ready');
    expect(data('node:b').readiness).toBe('NotReady');
    expect(data('node:c').unschedulable).toBe(true);
    expect(data('node:gone')).toMatchObject({ missing: true, readiness: 'Unknown', podCount: 1 });
  });

  it('colours pods by phase and status', () => {
    const g = derive({
      ...empty,
      pods: byKey(
        pod('run', { nodeName: 'a', phase: 'Running' }),
        pod('pend', {}),
        pod('crash', { nodeName: 'a', phase: 'Running', waiting: 'CrashLoopBackOff' }),
        pod('fail', { nodeName: 'a', phase: 'Failed' }),
        pod('done', { nodeName: 'a', phase: 'Succeeded' }),
        pod('bye', { nodeName: 'a', phase: 'Running', deleting: true }),
      ),
    });
    const tone = (n: string) => (find(g.nodes, `pod:default/${n}`) as PodFlowNode).data.tone;
    expect([tone('run'), tone('pend'), tone('crash'), tone('fail'), tone('done'), tone('bye')]).toEqual(['running', 'pending', 'failed', 'failed', 'succeeded', 'terminating']);
    expect((find(g.nodes, 'wl:Pod/default/') as WorkloadFlowNode).data.phases).toEqual({ running: 1, pending: 1, failed: 2, terminating: 1, succeeded: 1, unknown: 0 });
  });

  it('joins a service to the card of the pods its selector matches, in its namespace only, with a count', () => {
    const g = derive({
      ...empty,
      pods: byKey(
        owned('w1', 'web', { labels: { app: 'web', tier: 'fe' } }),
        owned('w2', 'web', { labels: { app: 'web', tier: 'fe' } }),
        owned('w3', 'web', { labels: { app: 'web' } }),
        pod('other', { labels: { app: 'db' } }),
        pod('elsewhere', { ns: 'prod', labels: { app: 'web', tier: 'fe' } }),
      ),
      services: byKey(service('web', { app: 'web', tier: 'fe' })),
    });
    expect(g.edges.map((e) => [e.source, e.target, e.data])).toEqual([['svc:default/web', 'wl:ReplicaSet/default/web', { ready: false, count: 2 }]]);
    expect((find(g.nodes, 'svc:default/web') as ServiceFlowNode).data).toMatchObject({ podCount: 2, readyCount: 0 });
  });

  it("counts a Service's ready pods apart from those it selects (its endpoints say which receive traffic)", () => {
    const g = derive({
      ...empty,
      pods: byKey(pod('w1', { labels: { app: 'web' }, phase: 'Running' }), pod('w2', { labels: { app: 'web' }, phase: 'Running' }), pod('w3', { labels: { app: 'web' } })),
      services: byKey(service('web', { app: 'web' }), service('typo', { app: 'wbe' })),
      endpoints: byKey(endpoints('web', [{ ip: '10.0.0.1', pod: 'w1' }, { ip: '10.0.0.2', pod: 'w2' }], [{ ip: '10.0.0.3', pod: 'w3' }])),
    });
    const data = (id: string) => (find(g.nodes, id) as ServiceFlowNode).data;
    expect([data('svc:default/web').podCount, data('svc:default/web').readyCount]).toEqual([3, 2]);
    expect([data('svc:default/typo').podCount, data('svc:default/typo').readyCount]).toEqual([0, 0]);
  });

  it('calls a Service without a cluster IP headless, not ClusterIP None', () => {
    const headless = service('db', { app: 'db' });
    headless.spec = { ...headless.spec, clusterIP: 'None' };
    const g = derive({ ...empty, services: byKey(headless, service('web', { app: 'web' })) });
    const data = (id: string) => (find(g.nodes, id) as ServiceFlowNode).data;
    expect([data('svc:default/db').type, data('svc:default/db').clusterIP]).toEqual(['Headless', undefined]);
    expect([data('svc:default/web').type, data('svc:default/web').clusterIP]).toEqual(['ClusterIP', '10.96.0.10']);
  });

  it('marks an edge ready when an endpoint pod of the card is, and follows endpoints of services without a selector', () => {
    const g = derive({
      ...empty,
      pods: byKey(owned('a', 'web', { labels: { app: 'web' }, ip: '10.1.0.2', phase: 'Running' }), owned('b', 'web', { labels: { app: 'web' }, ip: '10.1.0.3' }), pod('m', { ip: '10.1.0.9', phase: 'Running' })),
      services: byKey(service('web', { app: 'web' }), service('manual', undefined)),
      endpoints: byKey(endpoints('web', [{ ip: '10.1.0.2', pod: 'a' }], [{ ip: '10.1.0.3', pod: 'b' }]), endpoints('manual', [{ ip: '10.1.0.9' }, { ip: '192.0.2.1' }])),
    });
    expect(Object.fromEntries(g.edges.map((e) => [`${e.source}->${e.target}`, e.data]))).toEqual({
      'svc:default/web->wl:ReplicaSet/default/web': { ready: true, count: 2 },
      'svc:default/manual->wl:Pod/default/': { ready: true, count: 1 },
    });
    // Without a selector the card counts endpoints, pods or not (the kubernetes and kube-dns Services have no pods).
    expect((find(g.nodes, 'svc:default/manual') as ServiceFlowNode).data.endpointCount).toBe(2);
    expect((find(g.nodes, 'svc:default/web') as ServiceFlowNode).data.endpointCount).toBeUndefined();
  });

  it('an empty selector selects nothing', () => {
    const g = derive({ ...empty, pods: byKey(pod('a', { labels: { x: 'y' } })), services: byKey(service('none', {})) });
    expect(g.edges).toEqual([]);
  });

  it('5,000 pods on 100 nodes make a few hundred flow nodes and one edge per service', () => {
    const pods = Array.from({ length: 5000 }, (_, i) => owned(`p${i}`, `rs${i % 100}`, { nodeName: `n${i % 100}`, labels: { app: `a${i % 100}` }, phase: 'Running' }));
    const services = Array.from({ length: 100 }, (_, i) => service(`s${i}`, { app: `a${i}` }));
    const nodes = Array.from({ length: 100 }, (_, i) => node(`n${i}`));
    const g = derive({ ...empty, nodes: byKey(...nodes), pods: byKey(...pods), services: byKey(...services) });
    expect(g.nodes).toHaveLength(100 + 100 + 100);
    expect(g.edges).toHaveLength(100);
  });

  it("remembers a pod's card per pod object, and asks again when its ReplicaSet is replaced or removed", () => {
    const p = owned('w1', 'web-1');
    const rs = { replicasets: byKey(replicaset('web-1', 'web')), jobs: {} };
    expect(cardKeyOf(p, rs).key).toBe('Deployment/default/web');
    expect(cardKeyOf(p, rs)).toBe(cardKeyOf(p, rs));
    // The ReplicaSet now belongs to another Deployment (a new object, as the store delivers it).
    expect(cardKeyOf(p, { replicasets: byKey(replicaset('web-1', 'api')), jobs: {} }).key).toBe('Deployment/default/api');
    // Gone from the cache of ReplicaSets: the pod's own owner is all that is known.
    expect(cardKeyOf(p, { replicasets: {}, jobs: {} }).key).toBe('ReplicaSet/default/web-1');
    expect(cardKeyOf(p, rs).key).toBe('Deployment/default/web');
  });

  it("draws a CronJob's Jobs' pods in one CronJob card, a Job of its own in its own, and follows a Job that gains its owner", () => {
    const ofJob = (name: string, job: string): Pod => {
      const p = pod(name, { phase: 'Succeeded' });
      p.metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: job, uid: `${job}-uid`, controller: true }];
      return p;
    };
    const pods = byKey(ofJob('tick-1-a', 'tick-1'), ofJob('tick-2-a', 'tick-2'), ofJob('once-a', 'once'));
    const jobs = byKey(job('tick-1', 'tick'), job('tick-2', 'tick'), job('once'));
    const g = derive({ ...empty, pods, jobs });
    const cards = g.nodes.filter((n): n is WorkloadFlowNode => n.type === 'workload').map((n) => [n.data.kind, n.data.name, n.data.podKeys]);
    expect(cards).toEqual([
      ['CronJob', 'tick', 'default/tick-1-a\ndefault/tick-2-a'],
      ['Job', 'once', 'default/once-a'],
    ]);
    // A Job read before its owner was known, then again once it has one (a new object).
    const p = ofJob('late-a', 'late');
    expect(cardKeyOf(p, { replicasets: {}, jobs: byKey(job('late')) }).key).toBe('Job/default/late');
    expect(cardKeyOf(p, { replicasets: {}, jobs: byKey(job('late', 'nightly')) }).key).toBe('CronJob/default/nightly');
  });
});

describe('derive: a workload card sums its pods requests', () => {
  it('adds the requests its pods set and lists its pods keys; stays shallow-equal when nothing changed', () => {
    const withReq = (p: Pod, cpu: string, memory: string): Pod => ({ ...p, spec: { ...p.spec, containers: [{ name: 'c', image: 'i', resources: { requests: { cpu, memory } } }] } });
    const input = { ...empty, replicasets: byKey(replicaset('web-1', 'web')), pods: byKey(withReq(owned('w1', 'web-1'), '250m', '64Mi'), withReq(owned('w2', 'web-1'), '500m', '128Mi'), owned('w3', 'web-1')) };
    const card = find(derive(input).nodes, 'wl:Deployment/default/web') as WorkloadFlowNode;
    expect(card.data.requestCpu).toBeCloseTo(0.75);
    expect(card.data.requestMemory).toBe(192 * 2 ** 20);
    expect(card.data.podKeys.split('\n')).toEqual(['default/w1', 'default/w2', 'default/w3']);
    const again = find(derive(input).nodes, 'wl:Deployment/default/web') as WorkloadFlowNode;
    expect(again.data.podKeys).toBe(card.data.podKeys);
  });
});
