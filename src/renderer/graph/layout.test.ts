import { describe, expect, it } from 'vitest';
import { byKey, node, pod, service } from '../testing/fixtures.js';
import { derive } from './derive.js';
import { gridColumns, groupSize, groupsPerRow, layout, podCell, POD_SIZE, SERVICE_SIZE } from './layout.js';
import type { SkiffNode } from './types.js';

type Box = { x: number; y: number; w: number; h: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function graph(podsPerNode: number[], services = 0): SkiffNode[] {
  const nodes = podsPerNode.map((_, i) => node(`n${i}`));
  const pods = podsPerNode.flatMap((count, i) => Array.from({ length: count }, (_, j) => pod(`p${i}-${j}`, { nodeName: `n${i}` })));
  const svcs = Array.from({ length: services }, (_, i) => service(`s${i}`, { app: 'x' }));
  return derive({ nodes: byKey(...nodes), pods: byKey(...pods), services: byKey(...svcs), endpoints: {} }).nodes;
}

describe('layout', () => {
  it('grids pods inside their group without overlap, within the group bounds', () => {
    const nodes = graph([7]);
    const lay = layout(nodes);
    const group = lay.sizes['node:n0'];
    expect(group).toEqual(groupSize(7));
    const boxes: Box[] = nodes
      .filter((n) => n.type === 'pod')
      .map((n) => ({ x: lay.positions[n.id]!.x, y: lay.positions[n.id]!.y, w: POD_SIZE.width, h: POD_SIZE.height }));
    expect(boxes).toHaveLength(7);
    for (const [i, a] of boxes.entries()) {
      expect(a.x).toBeGreaterThan(0);
      expect(a.y).toBeGreaterThan(0);
      expect(a.x + a.w).toBeLessThanOrEqual(group!.width);
      expect(a.y + a.h).toBeLessThanOrEqual(group!.height);
      for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
    // 7 pods -> 3 columns: the 4th pod starts the second row.
    expect(lay.positions['pod:default/p0-3']).toEqual({ x: lay.positions['pod:default/p0-0']!.x, y: lay.positions['pod:default/p0-0']!.y + POD_SIZE.height + 10 });
  });

  it('places groups in a row, then wraps into a grid, never overlapping', () => {
    const few = layout(graph([1, 5, 2]));
    const ys = ['node:n0', 'node:n1', 'node:n2'].map((id) => few.positions[id]!.y);
    expect(new Set(ys).size).toBe(1);
    const many = graph([3, 1, 9, 0, 2, 4, 6]);
    const lay = layout(many);
    const boxes = many
      .filter((n) => n.type === 'nodeGroup')
      .map((n) => ({ x: lay.positions[n.id]!.x, y: lay.positions[n.id]!.y, w: lay.sizes[n.id]!.width, h: lay.sizes[n.id]!.height }));
    expect(new Set(boxes.map((b) => b.y)).size).toBe(Math.ceil(7 / groupsPerRow(7)));
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
  });

  it('stacks services in a column left of the groups', () => {
    const nodes = graph([4, 4], 3);
    const lay = layout(nodes);
    const svc = ['svc:default/s0', 'svc:default/s1', 'svc:default/s2'].map((id) => lay.positions[id]!);
    expect(svc.every((p) => p.x === 0)).toBe(true);
    expect(svc[1]!.y).toBeGreaterThan(svc[0]!.y + SERVICE_SIZE.height - 1);
    expect(Math.min(lay.positions['node:n0']!.x, lay.positions['node:n1']!.x)).toBeGreaterThan(SERVICE_SIZE.width);
  });

  it('sizes an empty group and picks square-ish grids', () => {
    expect(groupSize(0).height).toBeGreaterThan(0);
    expect([gridColumns(0), gridColumns(1), gridColumns(4), gridColumns(5), gridColumns(100)]).toEqual([2, 2, 2, 3, 10]);
    expect([groupsPerRow(0), groupsPerRow(3), groupsPerRow(4), groupsPerRow(9), groupsPerRow(10)]).toEqual([1, 3, 2, 3, 4]);
  });

  it('is a pure function of its input', () => {
    const nodes = graph([3, 2], 1);
    expect(layout(nodes)).toEqual(layout(nodes));
  });
});

describe('layout, compact', () => {
  it('sizes a group by its pod count whether or not its pods are nodes', () => {
    const full = layout(graph([5]));
    const nodes = derive({ nodes: byKey(node('n0')), pods: byKey(...Array.from({ length: 5 }, (_, j) => pod(`p0-${j}`, { nodeName: 'n0' }))), services: {}, endpoints: {} }, { compact: true }).nodes;
    expect(layout(nodes).sizes['node:n0']).toEqual(full.sizes['node:n0']);
    expect(podCell(3, 5)).toEqual(full.positions['pod:default/p0-3']);
  });
});
