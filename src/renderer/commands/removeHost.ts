import { removeHost } from '../api/hosts.js';
import { selectedHost } from './selected.js';
import type { Command } from './types.js';

/** Deletes the selected Host; its controller stops the agent and removes the node's containers first. */
export const removeHostCommand: Command = {
  id: 'remove-host',
  label: 'Remove host',
  detail: (ctx) => selectedHost(ctx)?.metadata.name,
  enabled: (ctx) => {
    const h = selectedHost(ctx);
    return h !== undefined && !h.metadata.deletionTimestamp;
  },
  async run(ctx) {
    const h = selectedHost(ctx);
    if (h?.metadata.name) await removeHost(ctx.api, h.metadata.name);
  },
};
