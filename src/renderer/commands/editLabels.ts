import { selectedTarget } from './target.js';
import type { Command } from './types.js';

/** Opens the label editor for the selected object. */
export const editLabels: Command = {
  id: 'edit-labels',
  label: 'Edit labels…',
  button: 'Labels…',
  detail: (ctx) => selectedTarget(ctx)?.ref.name,
  enabled: (ctx) => selectedTarget(ctx)?.object !== undefined,
  run(ctx) {
    const t = selectedTarget(ctx);
    if (t) ctx.store.getState().openResourceDialog({ type: 'metadata', ref: t.ref, field: 'labels' });
  },
};
