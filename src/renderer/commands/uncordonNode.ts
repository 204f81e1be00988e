import { resourceType } from '../../orchestrator/api/resources.js';
import { selectedNode } from './selected.js';
import type { Command } from './types.js';

/** Lets the scheduler use the selected node again (`kubectl uncordon` sends the same null). */
export const uncordonNode: Command = {
  id: 'uncordon-node',
  label: 'Uncordon node',
  detail: (ctx) => selectedNode(ctx)?.metadata.name,
  enabled: (ctx) => selectedNode(ctx)?.spec?.unschedulable === true,
  async run(ctx) {
    const name = selectedNode(ctx)?.metadata.name;
    if (name) await ctx.api.mergePatch(resourceType('nodes'), undefined, name, { spec: { unschedulable: null } });
  },
};
