import { useEffect } from 'react';
import { useReactFlow, useStore } from '@xyflow/react';
import type { SkiffNode } from '../graph/types.js';

const MARGIN = 24;

/**
 * Keeps the selected node in sight: when it is selected, or when the canvas narrows (the details
 * panel opening beside it) and it ends up under an edge, the view pans, at the same zoom, to centre
 * it. A node already fully in view never moves the view.
 */
export function RevealSelection({ selectedId }: { selectedId: string | undefined }) {
  const flow = useReactFlow<SkiffNode>();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  useEffect(() => {
    if (!selectedId || width === 0 || height === 0) return;
    // After the panel's layout settles, so the measured canvas is the final one.
    const t = setTimeout(() => {
      const n = flow.getInternalNode(selectedId);
      if (!n) return; // a tile in compact mode, or gone
      const { x: vx, y: vy, zoom } = flow.getViewport();
      const w = n.measured.width ?? 0;
      const h = n.measured.height ?? 0;
      const { x, y } = n.internals.positionAbsolute;
      const left = x * zoom + vx;
      const top = y * zoom + vy;
      const inView = left >= MARGIN && top >= MARGIN && left + w * zoom <= width - MARGIN && top + h * zoom <= height - MARGIN;
      if (!inView) void flow.setCenter(x + w / 2, y + h / 2, { zoom, duration: 250 });
    }, 60);
    return () => clearTimeout(t);
  }, [selectedId, width, height, flow]);
  return null;
}
