import { selectedTarget } from './target.js';
import type { Command } from './types.js';

/** Pods and hosts have their own delete commands (delete pod, remove host). */
const OWN_DELETE = new Set(['Pod', 'Host']);

/** Opens the delete confirmation for the selected object, naming what goes with it. */
export const deleteResource: Command = {
  id: 'delete',
  label: 'Delete…',
  danger: true,
  detail: (ctx) => {
    const t = selectedTarget(ctx);
    return t ? `${t.ref.kind} ${t.ref.name}` : undefined;
  },
  enabled: (ctx) => {
    const t = selectedTarget(ctx);
    return t?.object !== undefined && !OWN_DELETE.has(t.ref.kind) && !t.object.metadata.deletionTimestamp;
  },
  run(ctx) {
    const t = selectedTarget(ctx);
    if (t) ctx.store.getState().openResourceDialog({ type: 'delete', ref: t.ref });
  },
};
