import { selectedTarget } from './target.js';
import type { Command } from './types.js';

/** Shows the selected object's YAML (managedFields hidden), from which it can be edited. */
export const viewYaml: Command = {
  id: 'view-yaml',
  label: 'View YAML',
  button: 'YAML',
  detail: (ctx) => selectedTarget(ctx)?.ref.name,
  enabled: (ctx) => selectedTarget(ctx)?.object !== undefined,
  run(ctx) {
    const t = selectedTarget(ctx);
    if (t) ctx.store.getState().openResourceDialog({ type: 'yaml', ref: t.ref, edit: false });
  },
};
