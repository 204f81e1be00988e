import { describe, expect, it } from 'vitest';
import type { Pod } from '../../orchestrator/api/types.js';
import { byKey, ingress, node, pod, service } from '../testing/fixtures.js';
import { derive } from './derive.js';
import { cardSize, INGRESS_SIZE, layout, NODE_CARD_SIZE, podCell, POD_SIZE, SERVICE_SIZE, type Layout } from './layout.js';
import type { SkiffEdge, SkiffNode } from './types.js';

type Box = { x: number; y: number; w: number; h: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function owned(name: string, rs: string, labels: Record<string, string>, nodeName?: string): Pod {
  const p = pod(name, { labels, ...(nodeName ? { nodeName } : {}) });
  return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: rs, controller: true }] } };
}

/** `apps` workloads of `size` pods each; service i selects app i (and `shared` selects apps 0 and 1). */
function graph(sizes: number[], nodes = 3, shared = false): { nodes: SkiffNode[]; edges: SkiffEdge[] } {
  const pods = sizes.flatMap((n, a) => Array.from({ length: n }, (_, j) => owned(`a${a}-${j}`, `app${a}`, { app: `a${a}`, ...(a < 2 ? { pair: 'yes' } : {}) }, `n${j % nodes}`)));
  const svcs = sizes.map((_, a) => service(`s${a}`, { app: `a${a}` }));
  if (shared) svcs.push(service('shared', { pair: 'yes' }));
  return derive({ nodes: byKey(...Array.from({ length: nodes }, (_, i) => node(`n${i}`))), pods: byKey(...pods), services: byKey(...svcs), endpoints: {}, replicasets: {}, jobs: {} });
}

function boxes(g: { nodes: SkiffNode[] }, lay: Layout): Map<string, Box> {
  const out = new Map<string, Box>();
  for (const n of g.nodes) {
    if (n.parentId) continue;
    const p = lay.positions[n.id]!;
    const s = lay.sizes[n.id]!;
    out.set(n.id, { x: p.x, y: p.y, w: s.width, h: s.height });
  }
  return out;
}

/** Points along React Flow's default edge (a cubic Bézier with horizontal tangents). */
function bezier(sx: number, sy: number, tx: number, ty: number, steps = 40): { x: number; y: number }[] {
  const d = Math.max(0.5 * Math.abs(tx - sx), 25);
  const [c1x, c1y, c2x, c2y] = [sx + d, sy, tx - d, ty];
  return Array.from({ length: steps + 1 }, (_, i) => {
    const t = i / steps;
    const u = 1 - t;
    return { x: u ** 3 * sx + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t ** 3 * tx, y: u ** 3 * sy + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t ** 3 * ty };
  });
}

describe('layout', () => {
  it('grids the pods of an open card inside it without overlap', () => {
    const g = graph([7]);
    const lay = layout(g.nodes, g.edges);
    const card = lay.sizes['wl:ReplicaSet/default/app0']!;
    expect(card).toEqual(cardSize(7, false));
    const pods = g.nodes.filter((n) => n.type === 'pod').map((n) => ({ ...lay.positions[n.id]!, w: POD_SIZE.width, h: POD_SIZE.height }));
    expect(pods).toHaveLength(7);
    for (const [i, a] of pods.entries()) {
      expect(a.x + a.w).toBeLessThanOrEqual(card.width);
      expect(a.y + a.h).toBeLessThanOrEqual(card.height);
      for (const b of pods.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
    expect(podCell(3, 7)).toEqual({ x: podCell(0, 7).x, y: podCell(0, 7).y + POD_SIZE.height + 10 });
  });

  it('puts nodes in a band above everything else, and nothing overlaps', () => {
    const g = graph([3, 20, 1, 5], 12, true);
    const lay = layout(g.nodes, g.edges);
    const all = [...boxes(g, lay).entries()];
    const nodeBottom = Math.max(...all.filter(([id]) => id.startsWith('node:')).map(([, b]) => b.y + b.h));
    for (const [id, b] of all) if (!id.startsWith('node:')) expect(b.y).toBeGreaterThan(nodeBottom);
    for (const [i, [, a]] of all.entries()) for (const [, b] of all.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    expect(lay.sizes['node:n0']).toEqual(NODE_CARD_SIZE);
  });

  it('puts each service beside its card, and no edge crosses a card it does not join', () => {
    const g = graph([2, 4, 1, 30, 3, 2, 6], 5, true);
    const lay = layout(g.nodes, g.edges);
    const b = boxes(g, lay);
    for (const e of g.edges) {
      const s = b.get(e.source)!;
      const t = b.get(e.target)!;
      // The service's right side to the card header's left side (where the handles are).
      const path = bezier(s.x + s.w, s.y + SERVICE_SIZE.height / 2, t.x, t.y + 37);
      for (const [id, box] of b) {
        if (id === e.source || id === e.target) continue;
        for (const p of path) expect(p.x > box.x && p.x < box.x + box.w && p.y > box.y && p.y < box.y + box.h, `${e.id} crosses ${id}`).toBe(false);
      }
      expect(t.x - (s.x + s.w)).toBe(120);
    }
  });

  it('puts an Ingress left of the Services it routes to, in their band, its edges crossing nothing', () => {
    const pods = [0, 1, 2].flatMap((a) => [0, 1].map((j) => owned(`a${a}-${j}`, `app${a}`, { app: `a${a}` }, 'n0')));
    const g = derive({
      nodes: byKey(node('n0')),
      pods: byKey(...pods),
      services: byKey(service('s0', { app: 'a0' }), service('s1', { app: 'a1' }), service('s2', { app: 'a2' })),
      endpoints: {},
      replicasets: {},
      jobs: {},
      ingresses: byKey(ingress('front', [{ host: 'x.test', paths: [['/', 's0'], ['/b', 's1']] }]), ingress('lost', [{ paths: [['/', 'nowhere']] }])),
    });
    const lay = layout(g.nodes, g.edges);
    const b = boxes(g, lay);
    const front = b.get('ing:default/front')!;
    const [s0, s1, s2] = ['svc:default/s0', 'svc:default/s1', 'svc:default/s2'].map((id) => b.get(id)!);
    expect(front.w).toBe(INGRESS_SIZE.width);
    // One lane between the Ingress and its Services, as between Services and cards.
    expect(s0!.x - (front.x + front.w)).toBe(120);
    expect(s1!.x).toBe(s0!.x);
    // Level with the middle of the Services it reaches.
    const mid = (s0!.y + s1!.y) / 2;
    expect(Math.abs(front.y - mid)).toBeLessThan(SERVICE_SIZE.height);
    for (const e of g.edges.filter((x) => x.source.startsWith('ing:'))) {
      const s = b.get(e.source)!;
      const t = b.get(e.target)!;
      const path = bezier(s.x + s.w, s.y + INGRESS_SIZE.height / 2, t.x, t.y + SERVICE_SIZE.height / 2);
      for (const [id, box] of b) {
        if (id === e.source || id === e.target) continue;
        for (const p of path) expect(p.x > box.x && p.x < box.x + box.w && p.y > box.y && p.y < box.y + box.h, `${e.id} crosses ${id}`).toBe(false);
      }
    }
    // s2's band has no Ingress: nothing is left of it but its own lane.
    expect(s2).toBeDefined();
    // An Ingress whose Services are all missing still gets a place of its own, overlapping nothing.
    const lost = b.get('ing:default/lost')!;
    for (const [id, box] of b) if (id !== 'ing:default/lost') expect(overlap(lost, box), `lost overlaps ${id}`).toBe(false);
    for (const [id, box] of b) if (id !== 'ing:default/front') expect(overlap(front, box), `front overlaps ${id}`).toBe(false);
  });

  it('5,000 pods on 100 nodes lay out as a picture wider than tall, not a tower', () => {
    const g = graph(Array.from({ length: 100 }, () => 50), 100);
    const lay = layout(g.nodes, g.edges);
    const all = [...boxes(g, lay).values()];
    const width = Math.max(...all.map((x) => x.x + x.w));
    const height = Math.max(...all.map((x) => x.y + x.h));
    expect(width / height).toBeGreaterThan(0.8);
    expect(width / height).toBeLessThan(4);
  });
});
