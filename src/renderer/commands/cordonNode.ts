import { resourceType } from '../../orchestrator/api/resources.js';
import { selectedNode } from './selected.js';
import type { Command } from './types.js';

/** Marks the selected node unschedulable (merge patch of spec.unschedulable, as `kubectl cordon`). */
export const cordonNode: Command = {
  id: 'cordon-node',
  label: 'Cordon node',
  detail: (ctx) => selectedNode(ctx)?.metadata.name,
  enabled: (ctx) => {
    const n = selectedNode(ctx);
    return n !== undefined && n.spec?.unschedulable !== true;
  },
  async run(ctx) {
    const name = selectedNode(ctx)?.metadata.name;
    if (name) await ctx.api.mergePatch(resourceType('nodes'), undefined, name, { spec: { unschedulable: true } });
  },
};
