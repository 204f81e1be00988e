import { describe, expect, it } from 'vitest';
import { byKey, endpoints, node, pod, service } from '../testing/fixtures.js';
import { derive, type DeriveInput } from './derive.js';
import type { GroupFlowNode, PodFlowNode, ServiceFlowNode, SkiffNode } from './types.js';

const empty: DeriveInput = { nodes: {}, pods: {}, services: {}, endpoints: {} };
const find = (nodes: SkiffNode[], id: string) => nodes.find((n) => n.id === id);

describe('derive', () => {
  it('puts each pod in its node group, parents before children, sorted', () => {
    const g = derive({
      ...empty,
      nodes: byKey(node('b'), node('a')),
      pods: byKey(pod('p2', { nodeName: 'a', phase: 'Running' }), pod('p1', { nodeName: 'a' }), pod('q', { nodeName: 'b' })),
    });
    expect(g.nodes.map((n) => n.id)).toEqual(['node:a', 'pod:default/p1', 'pod:default/p2', 'node:b', 'pod:default/q']);
    const p1 = find(g.nodes, 'pod:default/p1') as PodFlowNode;
    expect(p1.parentId).toBe('node:a');
    expect((find(g.nodes, 'node:a') as GroupFlowNode).data.podCount).toBe(2);
  });

  it('collects unbound pods in an Unscheduled group, only when there are some', () => {
    expect(derive({ ...empty, nodes: byKey(node('a')) }).nodes.map((n) => n.id)).toEqual(['node:a']);
    const g = derive({ ...empty, nodes: byKey(node('a')), pods: byKey(pod('lost')) });
    const group = find(g.nodes, 'unscheduled') as GroupFlowNode;
    expect(group.data.readiness).toBe('Unscheduled');
    expect(find(g.nodes, 'pod:default/lost')?.parentId).toBe('unscheduled');
  });

  it('shows node readiness, cordoning, and groups for nodes that pods name but that do not exist', () => {
    const cordoned = node('c', 'True', { spec: { unschedulable: true } });
    const g = derive({ ...empty, nodes: byKey(node('a', 'True'), node('b', 'Unknown'), cordoned), pods: byKey(pod('x', { nodeName: 'gone' })) });
    const data = (id: string) => (find(g.nodes, id) as GroupFlowNode).data;
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
    expect([tone('run'), tone('pend'), tone('crash'), tone('fail'), tone('done'), tone('bye')]).toEqual([
      'running',
      'pending',
      'failed',
      'failed',
      'succeeded',
      'terminating',
    ]);
    expect((find(g.nodes, 'pod:default/crash') as PodFlowNode).data.status).toBe('CrashLoopBackOff');
  });

  it('links a service to the pods its selector matches, in its namespace only', () => {
    const g = derive({
      ...empty,
      pods: byKey(
        pod('w1', { labels: { app: 'web', tier: 'fe' } }),
        pod('w2', { labels: { app: 'web' } }),
        pod('other', { labels: { app: 'db' } }),
        pod('elsewhere', { ns: 'prod', labels: { app: 'web', tier: 'fe' } }),
      ),
      services: byKey(service('web', { app: 'web', tier: 'fe' })),
    });
    expect(g.edges.map((e) => [e.source, e.target, e.data?.ready])).toEqual([['svc:default/web', 'pod:default/w1', false]]);
    expect((find(g.nodes, 'svc:default/web') as ServiceFlowNode).data.podCount).toBe(1);
  });

  it('marks endpoint pods ready and follows endpoints of services without a selector', () => {
    const g = derive({
      ...empty,
      pods: byKey(
        pod('a', { labels: { app: 'web' }, ip: '10.1.0.2', phase: 'Running' }),
        pod('b', { labels: { app: 'web' }, ip: '10.1.0.3' }),
        pod('m', { ip: '10.1.0.9', phase: 'Running' }),
      ),
      services: byKey(service('web', { app: 'web' }), service('manual', undefined)),
      endpoints: byKey(endpoints('web', [{ ip: '10.1.0.2', pod: 'a' }], [{ ip: '10.1.0.3', pod: 'b' }]), endpoints('manual', [{ ip: '10.1.0.9' }, { ip: '192.0.2.1' }])),
    });
    const edges = Object.fromEntries(g.edges.map((e) => [`${e.source}->${e.target}`, e.data?.ready]));
    expect(edges).toEqual({
      'svc:default/web->pod:default/a': true,
      'svc:default/web->pod:default/b': false,
      'svc:default/manual->pod:default/m': true,
    });
  });

  it('an empty selector selects nothing', () => {
    const g = derive({ ...empty, pods: byKey(pod('a', { labels: { x: 'y' } })), services: byKey(service('none', {})) });
    expect(g.edges).toEqual([]);
  });

  // How fast is for `npm run bench` to say (timed tests flake on a loaded machine); this checks the shape.
  it('derives 5,000 pods, a node each and one edge per selected pod', () => {
    const pods = Array.from({ length: 5000 }, (_, i) => pod(`p${i}`, { nodeName: `n${i % 10}`, labels: { app: `a${i % 50}` }, phase: 'Running' }));
    const services = Array.from({ length: 50 }, (_, i) => service(`s${i}`, { app: `a${i}` }));
    const nodes = Array.from({ length: 10 }, (_, i) => node(`n${i}`));
    const input = { nodes: byKey(...nodes), pods: byKey(...pods), services: byKey(...services), endpoints: {} };
    const g = derive(input);
    expect(g.nodes).toHaveLength(10 + 5000 + 50);
    expect(g.edges).toHaveLength(5000);
  });
});

describe('derive, compact', () => {
  it('draws pods as tiles of their group and joins services to groups, counting pods', () => {
    const g = derive(
      {
        nodes: byKey(node('a'), node('b')),
        pods: byKey(
          pod('w1', { nodeName: 'a', labels: { app: 'web' }, phase: 'Running' }),
          pod('w2', { nodeName: 'a', labels: { app: 'web' } }),
          pod('w3', { nodeName: 'b', labels: { app: 'web' } }),
          pod('x', {}),
        ),
        services: byKey(service('web', { app: 'web' })),
        endpoints: byKey(endpoints('web', [{ ip: '10.1.0.2', pod: 'w1' }])),
      },
      { compact: true },
    );
    expect(g.nodes.map((n) => n.id)).toEqual(['node:a', 'node:b', 'unscheduled', 'svc:default/web']);
    const a = find(g.nodes, 'node:a') as GroupFlowNode;
    expect(a.data.tiles?.map((t) => [t.name, t.tone])).toEqual([
      ['w1', 'running'],
      ['w2', 'pending'],
    ]);
    expect(g.edges.map((e) => [e.target, e.data?.ready, e.data?.count])).toEqual([
      ['node:a', true, 2],
      ['node:b', false, 1],
    ]);
  });
});

describe('derive, group edges', () => {
  it('keeps pod nodes but joins services to groups', () => {
    const g = derive(
      { nodes: byKey(node('a')), pods: byKey(pod('w1', { nodeName: 'a', labels: { app: 'web' } }), pod('w2', { nodeName: 'a', labels: { app: 'web' } })), services: byKey(service('web', { app: 'web' })), endpoints: {} },
      { groupEdges: true },
    );
    expect(g.nodes.filter((n) => n.type === 'pod')).toHaveLength(2);
    expect(g.edges.map((e) => [e.target, e.data?.count])).toEqual([['node:a', 2]]);
  });
});
