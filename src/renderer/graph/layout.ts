import type { SkiffNode } from './types.js';

export interface XY {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}

/** Positions (pods relative to their group, the rest absolute) and sizes, by flow node id. */
export interface Layout {
  positions: Record<string, XY>;
  sizes: Record<string, Size>;
}

export const POD_SIZE: Size = { width: 184, height: 52 };
export const SERVICE_SIZE: Size = { width: 220, height: 76 };
const POD_GAP = 10;
const GROUP_PAD = 14;
const GROUP_HEADER = 56;
const GROUP_GAP = 56;
const MIN_GROUP_COLS = 2;
const EMPTY_GROUP_BODY = 56;
const SERVICE_GAP = 18;
const SERVICE_COLUMN_GAP = 140;

/** Columns for a group of `n` pods: a square-ish grid, never narrower than two pods. */
export function gridColumns(n: number): number {
  return Math.max(MIN_GROUP_COLS, Math.ceil(Math.sqrt(n)));
}

/** Groups per row: one row up to three nodes, then a square-ish grid of groups. */
export function groupsPerRow(groupCount: number): number {
  return groupCount <= 3 ? Math.max(1, groupCount) : Math.ceil(Math.sqrt(groupCount));
}

export function groupSize(podCount: number): Size {
  const cols = gridColumns(podCount);
  const rows = Math.ceil(podCount / cols);
  const width = GROUP_PAD * 2 + cols * POD_SIZE.width + (cols - 1) * POD_GAP;
  const body = rows === 0 ? EMPTY_GROUP_BODY : rows * POD_SIZE.height + (rows - 1) * POD_GAP;
  return { width, height: GROUP_HEADER + body + GROUP_PAD };
}

/** Where the `i`th of `podCount` pods sits inside its group: pod nodes and compact tiles share it. */
export function podCell(i: number, podCount: number): XY {
  const cols = gridColumns(podCount);
  return {
    x: GROUP_PAD + (i % cols) * (POD_SIZE.width + POD_GAP),
    y: GROUP_HEADER + Math.floor(i / cols) * (POD_SIZE.height + POD_GAP),
  };
}

/**
 * Lays the topology out: a grid of pods inside each node group, groups in rows (row height = the
 * tallest group), services in a column to the left, centred on the groups. Pure and O(nodes).
 */
export function layout(nodes: readonly SkiffNode[]): Layout {
  const positions: Record<string, XY> = {};
  const sizes: Record<string, Size> = {};
  const children = new Map<string, string[]>();
  const groups: string[] = [];
  const podCounts = new Map<string, number>();
  const services: string[] = [];
  for (const n of nodes) {
    if (n.type === 'nodeGroup') {
      groups.push(n.id);
      podCounts.set(n.id, n.data.podCount);
    }
    else if (n.type === 'service') services.push(n.id);
    else if (n.parentId) {
      let list = children.get(n.parentId);
      if (!list) children.set(n.parentId, (list = []));
      list.push(n.id);
    }
  }

  for (const gid of groups) {
    const kids = children.get(gid) ?? [];
    // Sized by pod count, not by child nodes: a compact group (tiles, no children) keeps its size.
    const count = Math.max(kids.length, podCounts.get(gid) ?? 0);
    sizes[gid] = groupSize(count);
    kids.forEach((id, i) => {
      positions[id] = podCell(i, count);
      sizes[id] = POD_SIZE;
    });
  }

  const left = services.length > 0 ? SERVICE_SIZE.width + SERVICE_COLUMN_GAP : 0;
  const perRow = groupsPerRow(groups.length);
  let x = left;
  let y = 0;
  let rowHeight = 0;
  groups.forEach((gid, i) => {
    if (i > 0 && i % perRow === 0) {
      x = left;
      y += rowHeight + GROUP_GAP;
      rowHeight = 0;
    }
    const size = sizes[gid] as Size;
    positions[gid] = { x, y };
    x += size.width + GROUP_GAP;
    rowHeight = Math.max(rowHeight, size.height);
  });
  const groupsHeight = groups.length > 0 ? y + rowHeight : 0;

  const servicesHeight = services.length * SERVICE_SIZE.height + Math.max(0, services.length - 1) * SERVICE_GAP;
  const top = Math.max(0, (groupsHeight - servicesHeight) / 2);
  services.forEach((id, i) => {
    positions[id] = { x: 0, y: top + i * (SERVICE_SIZE.height + SERVICE_GAP) };
    sizes[id] = SERVICE_SIZE;
  });
  return { positions, sizes };
}
