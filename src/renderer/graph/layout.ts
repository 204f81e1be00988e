import type { SkiffEdge, SkiffNode } from './types.js';

export interface XY {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}

/** Positions (pods relative to their card, the rest absolute) and sizes, by flow node id. */
export interface Layout {
  positions: Record<string, XY>;
  sizes: Record<string, Size>;
}

export const POD_SIZE: Size = { width: 184, height: 52 };
export const SERVICE_SIZE: Size = { width: 220, height: 76 };
export const NODE_CARD_SIZE: Size = { width: 240, height: 84 };
export const INGRESS_SIZE: Size = { width: 220, height: 76 };
const POD_GAP = 10;
const CARD_PAD = 14;
/** Header, counts and the usage line. */
const CARD_HEADER = 76;
const COLLAPSED_HEIGHT = 88;
const MAX_CARD_COLS = 4;
const MIN_CARD_COLS = 2;
const CARD_GAP = 16;
const SERVICE_GAP = 16;
/** Between a band's services and its cards: where its edges run, and nothing else. */
const EDGE_LANE = 120;
const BAND_GAP = 60;
const NODE_GAP = 16;
const NODES_TO_BANDS = 80;

/** Columns of pods in an expanded card of `n` pods: square-ish, two to four. */
export function cardColumns(n: number): number {
  return Math.min(MAX_CARD_COLS, Math.max(MIN_CARD_COLS, Math.ceil(Math.sqrt(n))));
}

export function cardSize(podCount: number, collapsed: boolean): Size {
  const cols = cardColumns(podCount);
  const width = CARD_PAD * 2 + cols * POD_SIZE.width + (cols - 1) * POD_GAP;
  if (collapsed || podCount === 0) return { width, height: COLLAPSED_HEIGHT };
  const rows = Math.ceil(podCount / cols);
  return { width, height: CARD_HEADER + rows * POD_SIZE.height + (rows - 1) * POD_GAP + CARD_PAD };
}

/** Where the `i`th of `podCount` pods sits inside its (expanded) card. */
export function podCell(i: number, podCount: number): XY {
  const cols = cardColumns(podCount);
  return { x: CARD_PAD + (i % cols) * (POD_SIZE.width + POD_GAP), y: CARD_HEADER + Math.floor(i / cols) * (POD_SIZE.height + POD_GAP) };
}

/** Node cards per row: a wide band, about 2.5 times as wide as it is tall. */
export function nodesPerRow(n: number): number {
  return Math.max(1, Math.min(n, Math.max(4, Math.ceil(Math.sqrt(n * 2.5)))));
}

interface Band {
  width: number;
  height: number;
  /** Relative positions inside the band. */
  at: Record<string, XY>;
}

interface Group {
  ingresses: string[];
  services: string[];
  cards: string[];
}

/** Ingresses, services and the cards they reach, joined into connected groups (union-find over the edges). */
function components(ingresses: string[], services: string[], cards: string[], edges: readonly SkiffEdge[]): Group[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  for (const id of [...ingresses, ...services, ...cards]) parent.set(id, id);
  for (const e of edges) if (parent.has(e.source) && parent.has(e.target)) parent.set(find(e.source), find(e.target));
  const groups = new Map<string, Group>();
  const get = (id: string) => {
    const r = find(id);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = { ingresses: [], services: [], cards: [] }));
    return g;
  };
  // Cards first, in their (sorted) order, so a band's place follows its first card.
  for (const c of cards) get(c).cards.push(c);
  for (const s of services) get(s).services.push(s);
  for (const i of ingresses) get(i).ingresses.push(i);
  return [...groups.values()];
}

/**
 * A column of same-sized boxes at `x`, each at the mean height of what its edges reach (`centre`),
 * pushed down only to avoid the one above. Returns where each box's middle ended up.
 */
function column(ids: string[], size: Size, x: number, edges: readonly SkiffEdge[], centre: ReadonlyMap<string, number>, at: Record<string, XY>): { centres: Map<string, number>; height: number } {
  const targets = new Map<string, number[]>();
  for (const e of edges) {
    const c = centre.get(e.target);
    if (c === undefined) continue;
    let list = targets.get(e.source);
    if (!list) targets.set(e.source, (list = []));
    list.push(c);
  }
  const want = ids.map((id) => {
    const ys = targets.get(id) ?? [0];
    return { id, y: ys.reduce((a, b) => a + b, 0) / ys.length - size.height / 2 };
  });
  want.sort((a, b) => a.y - b.y || a.id.localeCompare(b.id));
  const centres = new Map<string, number>();
  let next = 0;
  for (const w of want) {
    const y = Math.max(next, w.y);
    at[w.id] = { x, y };
    centres.set(w.id, y + size.height / 2);
    next = y + size.height + SERVICE_GAP;
  }
  return { centres, height: Math.max(0, next - SERVICE_GAP) };
}

/**
 * One band: its cards stacked in a column, its services in a column to their left and its
 * ingresses in one left of those, each box at the height of what it reaches (their mean), pushed
 * down only to avoid its neighbour. Every edge runs in the empty lane between two columns, so it
 * crosses no card.
 */
function bandLayout(g: Group, sizes: Record<string, Size>, edges: readonly SkiffEdge[]): Band {
  const at: Record<string, XY> = {};
  const ingressWidth = g.ingresses.length > 0 ? INGRESS_SIZE.width + EDGE_LANE : 0;
  const left = ingressWidth + (g.services.length > 0 ? SERVICE_SIZE.width + EDGE_LANE : 0);
  let y = 0;
  let cardsWidth = 0;
  const centre = new Map<string, number>();
  for (const c of g.cards) {
    const s = sizes[c] as Size;
    at[c] = { x: left, y };
    centre.set(c, y + Math.min(s.height, COLLAPSED_HEIGHT) / 2);
    y += s.height + CARD_GAP;
    cardsWidth = Math.max(cardsWidth, s.width);
  }
  const cardsHeight = Math.max(0, y - CARD_GAP);
  const services = column(g.services, SERVICE_SIZE, ingressWidth, edges, centre, at);
  const ingresses = column(g.ingresses, INGRESS_SIZE, 0, edges, services.centres, at);
  return { width: left + cardsWidth, height: Math.max(cardsHeight, services.height, ingresses.height), at };
}

/**
 * Lays the topology out. Node cards in a band across the top. Below, one band per group of
 * ingresses, the services they route to and the workload cards those reach (bands never overlap,
 * so no edge leaves its band),
 * shelf-packed in rows about as wide as the picture is tall times 2.4. Pods sit in a grid inside
 * their expanded card. Pure; O(nodes + edges).
 */
export function layout(nodes: readonly SkiffNode[], edges: readonly SkiffEdge[]): Layout {
  const positions: Record<string, XY> = {};
  const sizes: Record<string, Size> = {};
  const nodeCards: string[] = [];
  const cards: string[] = [];
  const services: string[] = [];
  const ingresses: string[] = [];
  const kids = new Map<string, string[]>();
  for (const n of nodes) {
    if (n.type === 'nodeCard') nodeCards.push(n.id);
    else if (n.type === 'service') services.push(n.id);
    else if (n.type === 'ingress') ingresses.push(n.id);
    else if (n.type === 'workload') {
      cards.push(n.id);
      sizes[n.id] = cardSize(n.data.podCount, n.data.collapsed);
    } else if (n.parentId) {
      let list = kids.get(n.parentId);
      if (!list) kids.set(n.parentId, (list = []));
      list.push(n.id);
    }
  }
  for (const [parent, ids] of kids) {
    ids.forEach((id, i) => {
      positions[id] = podCell(i, ids.length);
      sizes[id] = POD_SIZE;
    });
    // A card drawn expanded is as tall as its pods need, whatever it was sized for.
    const s = sizes[parent];
    if (s) sizes[parent] = cardSize(ids.length, false);
  }
  for (const id of services) sizes[id] = SERVICE_SIZE;
  for (const id of ingresses) sizes[id] = INGRESS_SIZE;

  const perRow = nodesPerRow(nodeCards.length);
  nodeCards.forEach((id, i) => {
    positions[id] = { x: (i % perRow) * (NODE_CARD_SIZE.width + NODE_GAP), y: Math.floor(i / perRow) * (NODE_CARD_SIZE.height + NODE_GAP) };
    sizes[id] = NODE_CARD_SIZE;
  });
  const nodeRows = Math.ceil(nodeCards.length / perRow);
  const nodesWidth = nodeCards.length ? perRow * (NODE_CARD_SIZE.width + NODE_GAP) - NODE_GAP : 0;
  const top = nodeRows ? nodeRows * (NODE_CARD_SIZE.height + NODE_GAP) - NODE_GAP + NODES_TO_BANDS : 0;

  const bands = components(ingresses, services, cards, edges).map((g) => bandLayout(g, sizes, edges));
  const area = bands.reduce((a, b) => a + (b.width + BAND_GAP) * (b.height + BAND_GAP), 0);
  // About the shape of a desktop window, so a fit fills it.
  const rowWidth = Math.max(nodesWidth, Math.sqrt(area * 2.4), ...bands.map((b) => b.width));
  let x = 0;
  let y = top;
  let rowHeight = 0;
  for (const b of bands) {
    if (x > 0 && x + b.width > rowWidth) {
      x = 0;
      y += rowHeight + BAND_GAP;
      rowHeight = 0;
    }
    for (const [id, p] of Object.entries(b.at)) positions[id] = { x: x + p.x, y: y + p.y };
    x += b.width + BAND_GAP;
    rowHeight = Math.max(rowHeight, b.height);
  }
  return { positions, sizes };
}
