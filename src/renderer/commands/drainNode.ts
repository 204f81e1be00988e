import { selectedNode } from './selected.js';
import type { Command } from './types.js';

/** Opens the drain dialog for the selected node: cordon, then evict (or delete) its pods as `kubectl drain`. */
export const drainNode: Command = {
  id: 'drain-node',
  label: 'Drain node…',
  button: 'Drain…',
  danger: true,
  detail: (ctx) => selectedNode(ctx)?.metadata.name,
  enabled: (ctx) => selectedNode(ctx) !== undefined,
  run(ctx) {
    const n = selectedNode(ctx)?.metadata.name;
    if (n) ctx.store.getState().openResourceDialog({ type: 'drain', node: n });
  },
};
