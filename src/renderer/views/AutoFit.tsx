import { useEffect } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { FitPolicy } from '../graph/fitPolicy.js';
import type { SkiffNode } from '../graph/types.js';

/**
 * What the picture's shape depends on: which cards and services exist, and whether each card is
 * open. Changes of status alone leave it equal, so the view does not jump while pods change colour.
 */
export function structureKey(nodes: readonly SkiffNode[]): string {
  const parts: string[] = [];
  for (const n of nodes) {
    if (n.type === 'pod') continue;
    parts.push(n.type === 'workload' ? `${n.id}${n.data.collapsed ? '' : `+${n.data.podCount}`}` : n.id);
  }
  return parts.join(',');
}

/**
 * Fits the view when the picture's shape changes (a node joins, a deployment lands), unless the
 * user has zoomed or panned themselves (see FitPolicy). Animated only for small graphs.
 */
export function AutoFit({ graphKey, animate, policy }: { graphKey: string; animate: boolean; policy: FitPolicy }) {
  const flow = useReactFlow();
  useEffect(() => {
    if (!graphKey || !policy.shouldFit(graphKey)) return;
    const t = setTimeout(() => void flow.fitView({ padding: 0.12, maxZoom: 1.1, duration: animate ? 300 : 0 }), 120);
    return () => clearTimeout(t);
    // `animate` is read when the key changes, not a reason to refit.
  }, [graphKey, flow, policy]);
  return null;
}
