import { selectedTarget } from './target.js';
import type { Command } from './types.js';

/** Opens the annotation editor for the selected object. */
export const editAnnotations: Command = {
  id: 'edit-annotations',
  label: 'Edit annotations…',
  button: 'Annotations…',
  detail: (ctx) => selectedTarget(ctx)?.ref.name,
  enabled: (ctx) => selectedTarget(ctx)?.object !== undefined,
  run(ctx) {
    const t = selectedTarget(ctx);
    if (t) ctx.store.getState().openResourceDialog({ type: 'metadata', ref: t.ref, field: 'annotations' });
  },
};
