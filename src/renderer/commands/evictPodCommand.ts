import { selectedPod } from './selected.js';
import type { Command } from './types.js';

/** Opens the eviction confirmation for the selected pod (`POST .../pods/NAME/eviction`). */
export const evictPodCommand: Command = {
  id: 'evict-pod',
  label: 'Evict pod…',
  button: 'Evict…',
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
    if (p) ctx.store.getState().openResourceDialog({ type: 'evict', ref: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, namespace: p.namespace, name: p.name } });
  },
};
