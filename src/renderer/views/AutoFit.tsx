import { useEffect, useRef } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { SkiffNode } from '../graph/types.js';

/**
 * What the picture's shape depends on: which groups and services exist and roughly how many pods.
 * Changes of status alone leave it equal, so the view does not jump while pods change colour.
 */
export function structureKey(nodes: readonly SkiffNode[]): string {
  const parts: string[] = [];
  let pods = 0;
  for (const n of nodes) {
    if (n.type === 'pod') continue;
    parts.push(n.id);
    // Counted from the groups: the same whether pods are nodes or tiles (compact mode).
    if (n.type === 'nodeGroup') pods += n.data.podCount;
  }
  const bucket = pods <= 16 ? pods : Math.round(Math.log2(pods) * 2);
  return `${parts.join(',')}|${bucket}`;
}

/**
 * Fits the view again when the topology's shape changes: a node joins, a deployment lands. Animated
 * only for small graphs: every animation frame re-renders the visible nodes.
 */
export function AutoFit({ graphKey, animate }: { graphKey: string; animate: boolean }) {
  const flow = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    // The first fit is React Flow's own `fitView`.
    if (first.current) {
      first.current = false;
      return;
    }
    const t = setTimeout(() => void flow.fitView({ padding: 0.15, maxZoom: 1.1, duration: animate ? 300 : 0 }), 150);
    return () => clearTimeout(t);
    // `animate` is read when the key changes, not a reason to refit.
  }, [graphKey, flow]);
  return null;
}
