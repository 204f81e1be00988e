import { selectedPod } from './selected.js';
import type { Command } from './types.js';

/**
 * Asks, then deletes the selected pod (graceful: its node stops the containers); the confirmation
 * says whether a controller will replace it.
 */
export const deletePod: Command = {
  id: 'delete-pod',
  label: 'Delete pod…',
  danger: true,
  detail: (ctx) => {
    const p = selectedPod(ctx);
    return p ? `${p.namespace}/${p.name}` : undefined;
  },
  enabled: (ctx) => {
    const p = selectedPod(ctx);
    return p !== undefined && !p.pod.metadata.deletionTimestamp;
  },
  run(ctx) {
    const p = selectedPod(ctx);
    if (p) ctx.store.getState().openResourceDialog({ type: 'delete', ref: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, namespace: p.namespace, name: p.name } });
  },
};
