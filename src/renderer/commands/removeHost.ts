import { selectedHost } from './selected.js';
import type { Command } from './types.js';

/** Asks, then deletes the selected Host; its controller stops the agent and removes the node's containers first. */
export const removeHostCommand: Command = {
  id: 'remove-host',
  label: 'Remove host…',
  danger: true,
  detail: (ctx) => selectedHost(ctx)?.metadata.name,
  enabled: (ctx) => {
    const h = selectedHost(ctx);
    return h !== undefined && !h.metadata.deletionTimestamp;
  },
  run(ctx) {
    const name = selectedHost(ctx)?.metadata.name;
    if (name) ctx.store.getState().openResourceDialog({ type: 'delete', ref: { group: 'skiff.dev', version: 'v1alpha1', resource: 'hosts', kind: 'Host', namespaced: false, name } });
  },
};
