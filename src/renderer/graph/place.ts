import type { Layout, XY } from './layout.js';
import type { SkiffEdge, SkiffNode } from './types.js';

/**
 * Derived nodes with their layout applied: the positions the user dragged top-level nodes to win
 * over the computed ones; `selectedId` marks the node the side panel shows.
 */
export function place(nodes: readonly SkiffNode[], lay: Layout, overrides: Readonly<Record<string, XY>>, selectedId: string | undefined): SkiffNode[] {
  return nodes.map((n) => {
    const position = (!n.parentId ? overrides[n.id] : undefined) ?? lay.positions[n.id] ?? n.position;
    const size = lay.sizes[n.id];
    // Sizes are ours, so they are also what React Flow would measure: setting `measured` lets it fit
    // and draw edges for nodes it never renders (off-screen, with onlyRenderVisibleElements).
    const dims = size ? { width: size.width, height: size.height, measured: { width: size.width, height: size.height } } : {};
    return { ...n, position, ...dims, selected: n.id === selectedId } as SkiffNode;
  });
}

/**
 * Keeps node object identity across updates: a node equal to its previous version (position, size,
 * parent, selection and shallow data) is the previous object, so only changed nodes re-render.
 * O(nodes).
 */
export function reconcileEdges(prev: readonly SkiffEdge[], next: readonly SkiffEdge[]): SkiffEdge[] {
  const byId = new Map(prev.map((e) => [e.id, e]));
  let same = prev.length === next.length;
  const out = next.map((e, i) => {
    const p = byId.get(e.id);
    if (p && p.className === e.className && p.data?.count === e.data?.count) {
      if (prev[i] !== p) same = false;
      return p;
    }
    same = false;
    return e;
  });
  return same ? (prev as SkiffEdge[]) : out;
}

export function reconcileNodes(prev: readonly SkiffNode[], next: readonly SkiffNode[]): SkiffNode[] {
  const byId = new Map(prev.map((n) => [n.id, n]));
  let same = prev.length === next.length;
  const out = next.map((n, i) => {
    const p = byId.get(n.id);
    if (p && equalNode(p, n)) {
      if (prev[i] !== p) same = false;
      return p;
    }
    same = false;
    return n;
  });
  return same ? (prev as SkiffNode[]) : out;
}

function equalNode(a: SkiffNode, b: SkiffNode): boolean {
  return (
    a.type === b.type &&
    a.parentId === b.parentId &&
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.width === b.width &&
    a.height === b.height &&
    (a.selected ?? false) === (b.selected ?? false) &&
    shallowEqual(a.data, b.data)
  );
}

/** Equal keys with identical values; a nested plain object (a card's counts) is compared the same way, one level down. */
function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>, depth = 1): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const x = a[k];
    const y = b[k];
    if (Object.is(x, y)) return true;
    return depth > 0 && isPlain(x) && isPlain(y) && shallowEqual(x, y, depth - 1);
  });
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Marks the edges of the selected service or pod, so its connections stand out. O(edges). */
export function highlightEdges(edges: readonly SkiffEdge[], selectedId: string | undefined): SkiffEdge[] {
  if (!selectedId) return edges as SkiffEdge[];
  return edges.map((e) => (e.source === selectedId || e.target === selectedId ? { ...e, className: `${e.className ?? ''} is-active`, zIndex: 2 } : e));
}
