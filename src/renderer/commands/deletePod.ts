import { resourceType } from '../../orchestrator/api/resources.js';
import { selectedPod } from './selected.js';
import type { Command } from './types.js';

/** Deletes the selected pod (graceful: its node stops the containers); a controller may replace it. */
export const deletePod: Command = {
  id: 'delete-pod',
  label: 'Delete pod',
  detail: (ctx) => {
    const p = selectedPod(ctx);
    return p ? `${p.namespace}/${p.name}` : undefined;
  },
  enabled: (ctx) => {
    const p = selectedPod(ctx);
    return p !== undefined && !p.pod.metadata.deletionTimestamp;
  },
  async run(ctx) {
    const p = selectedPod(ctx);
    if (p) await ctx.api.delete(resourceType('pods'), p.namespace, p.name);
  },
};
