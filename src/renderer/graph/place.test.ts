import { describe, expect, it } from 'vitest';
import { byKey, node, pod } from '../testing/fixtures.js';
import { derive } from './derive.js';
import { layout } from './layout.js';
import { highlightEdges, place, reconcileEdges, reconcileNodes } from './place.js';

function build(phase: 'Pending' | 'Running', overrides = {}, selected?: string) {
  const g = derive({ nodes: byKey(node('a')), pods: byKey(pod('x', { nodeName: 'a', phase }), pod('y', { nodeName: 'a' })), services: {}, endpoints: {}, replicasets: {}, jobs: {} });
  return place(g.nodes, layout(g.nodes, g.edges), overrides, selected);
}

describe('place', () => {
  it('applies layout sizes and positions, user overrides for top-level nodes only, and selection', () => {
    const nodes = build('Pending', { 'node:a': { x: 500, y: 40 }, 'pod:default/x': { x: 999, y: 999 } }, 'pod:default/y');
    const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
    expect(byId['node:a']?.position).toEqual({ x: 500, y: 40 });
    expect(byId['node:a']?.width).toBeGreaterThan(0);
    expect(byId['pod:default/x']?.position.x).not.toBe(999);
    expect(byId['pod:default/y']?.selected).toBe(true);
    expect(byId['pod:default/x']?.selected).toBe(false);
  });
});

describe('reconcileEdges', () => {
  it('keeps unchanged edges and replaces restyled ones', () => {
    const e = (id: string, className: string) => ({ id, source: 's', target: id, className });
    const prev = [e('a', 'edge-ready'), e('b', 'edge-not-ready')];
    expect(reconcileEdges(prev, [e('a', 'edge-ready'), e('b', 'edge-not-ready')])).toBe(prev);
    const next = reconcileEdges(prev, [e('a', 'edge-ready'), e('b', 'edge-ready')]);
    expect(next[0]).toBe(prev[0]);
    expect(next[1]).not.toBe(prev[1]);
  });
});

describe('reconcileNodes', () => {
  it('keeps identity of unchanged nodes, replaces changed ones', () => {
    const first = build('Pending');
    const second = reconcileNodes(first, build('Running'));
    // The node card and the pods' card count states, so they change with x; y does not.
    const [node1, , x1, y1] = first;
    const [node2, , x2, y2] = second;
    expect(node2).not.toBe(node1);
    expect(y2).toBe(y1);
    expect(x2).not.toBe(x1);
    expect(x2?.measured).toEqual({ width: x2?.width, height: x2?.height });
    expect(x2?.data).toMatchObject({ phase: 'Running', tone: 'running' });
  });

  it('returns the previous array when nothing changed', () => {
    const first = build('Running');
    expect(reconcileNodes(first, build('Running'))).toBe(first);
  });
});

describe('highlightEdges', () => {
  it('marks only the selected node\'s edges and leaves the list alone without a selection', () => {
    const edges = [
      { id: '1', source: 'svc:a', target: 'pod:x', className: 'edge-ready' },
      { id: '2', source: 'svc:b', target: 'pod:y', className: 'edge-ready' },
    ];
    expect(highlightEdges(edges, undefined)).toBe(edges);
    const out = highlightEdges(edges, 'pod:x');
    expect(out[0]?.className).toBe('edge-ready is-active');
    expect(out[1]).toBe(edges[1]);
  });
});
