import { selectedPod } from './selected.js';
import type { Command } from './types.js';

/**
 * A command that opens a confirmation dialog for the selected pod (delete, evict): enabled while a
 * pod is selected and not already terminating; the dialog does the asking and the request.
 */
export function podDialogCommand(spec: { id: string; label: string; button?: string; dialog: 'delete' | 'evict' }): Command {
  return {
    id: spec.id,
    label: spec.label,
    ...(spec.button ? { button: spec.button } : {}),
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
      if (p) ctx.store.getState().openResourceDialog({ type: spec.dialog, ref: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, namespace: p.namespace, name: p.name } });
    },
  };
}
